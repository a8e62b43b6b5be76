"""The words and shapes of impersonation, in English and Chinese, as regular expressions.

Kept apart from the scoring so a reviewer can read what each signal looks for. The vocabulary comes from the
public advisories listed in eval/SOURCES.md (fake support replies, "DM us", forms, "validate/sync/claim" sites,
requests for the recovery phrase), not from the evaluation records.
"""
from __future__ import annotations

import re

# Added to a brand to make a handle or display name look official (skeleton form: ASCII lower case, or Chinese).
SUPPORT_WORDS = (
    "support", "help", "helpdesk", "desk", "care", "service", "services", "official", "officia", "admin", "team",
    "assist", "assistance", "assistant", "mod", "moderator", "agent", "live", "customer", "kefu", "guanfang",
    "guanli", "rescue", "recovery", "fix", "客服", "官方", "管理员", "管理", "工作人员", "团队", "服务", "在线",
)

# Words that make a message a warning *about* scams, said by our customers and other users.
WARNING = re.compile(
    r"\b(?:scam(?:s|mer|mers)?|fake|phishing|fraud(?:ster)?s?|impersonat\w*|beware|careful|ignore|report (?:it|them))\b"
    r"|骗子|诈骗|假的|假冒|钓鱼|别信|不要信|小心|举报",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:never|don'?t|do not|doesn'?t|won'?t|will not|no one|nobody|not|no real|no legit\w*)\b"
    r"|不要|别|切勿|绝不|不会|勿|千万|请勿|从不",
    re.IGNORECASE,
)
REPORTED = re.compile(r"\b(?:asked me|asking me|told me|wants me|someone|somebody)\b|有人|让我|叫我|要我", re.IGNORECASE)

SECRET = re.compile(
    r"(?:secret |seed |recovery |backup |mnemonic |wallet )?(?:phrase|words?)\b|\b(?:12|24)[- ]?words?\b|private key|"
    r"\bmnemonic\b|\bpassphrase\b|\bseed\b|\b2fa code\b|\bpassword\b|助记词|私钥|密钥|恢复短语|谷歌验证码|验证码|密码",
    re.IGNORECASE,
)
ASK_VERB_EN = re.compile(
    r"\b(?:send|share|provide|enter|submit|type|input|drop|give|paste|import|dm|forward|tell)\b|\bwith your\b",
    re.IGNORECASE,
)
ASK_ZH = re.compile(r"(?:请|麻烦|需要|您|你).{0,12}(?:提供|发送|发给|输入|填写|告诉|上传|提交)|(?:发给|发送给|告诉)(?:我|我们)")

PRIVATE_CONTACT = re.compile(
    r"\b(?:dm|pm|inbox|message|msg|text|contact|write to|reach out to)\s+(?:us|me|him|her|them|our)\b"
    r"|\bsend (?:us|me|him) an? (?:dm|direct message|private message|message)\b"
    r"|\b(?:send|drop) (?:a )?(?:dm|direct message|private message) to (?:us|me|him)\b"
    r"|\bdrop us a (?:message|line|dm)\b|\bmessage (?:me|us) privately\b|\bprivate message\b"
    r"|\b(?:via|by|through|in|on) (?:a )?(?:dm|dms|direct message|pm|whatsapp|telegram|signal|wechat)\b"
    r"|\b(?:message|contact|dm|text|reach|ping) @\w+"
    r"|私信(?:我|我们|他|她)|私聊(?:我|我们|他|她)?|加(?:我|他)?(?:的)?(?:电报|微信|飞机|whatsapp|qq)|联系(?:电报|微信|飞机|whatsapp)"
    r"|请私信|请私聊",
    re.IGNORECASE,
)
SUPPORT_CLAIM = re.compile(
    r"\bthis is \w+ (?:support|help|team)\b|\bour (?:support|technical|tech|live|customer|official)? ?(?:team|agents?|"
    r"representatives?|desk|helpdesk|support)\b|\bagent id\b|\b(?:i am|i'm) (?:an? )?(?:admin|moderator|support|from the)"
    r"|\ba representative\b|\byour (?:case|issue|complaint) has been (?:escalated|received)|\bwe have received your"
    r"|(?:这里是|我是|我们是).{0,10}(?:客服|管理员|官方|工作人员)|官方客服|在线客服|工作人员",
    re.IGNORECASE,
)
SCAM_SITE_WORDS = re.compile(
    r"valid|sync|claim|restor|rectif|recover|verif|unlock|unfreez|dapp|connect|airdrop|reward|migrat|secure|"
    r"login|authent|support|help|ticket",
    re.IGNORECASE,
)
SCAM_ACTION = re.compile(
    r"\b(?:validate|synchroni[sz]e|sync|connect|verify|restore|rectify|unlock|claim)\b.{0,20}\b(?:wallet|balance|"
    r"deposit|account|funds?|assets?|reward)\b|验证钱包|同步钱包|连接钱包|领取|解冻|完成验证|恢复资产|恢复钱包|同步",
    re.IGNORECASE,
)
URGENCY = re.compile(
    r"\bimmediately\b|\bright now\b|\bwithin minutes\b|\bavoid (?:suspension|losing)\b|\bwill be (?:frozen|suspended|"
    r"locked)\b|\bexpedite\b|否则|冻结|马上|立即|尽快",
    re.IGNORECASE,
)

FORM_HOSTS = ("forms.gle", "docs.google.com", "typeform.com", "jotform.com", "forms.office.com", "tally.so",
              "formstack.com", "wufoo.com", "surveymonkey.com")
SHORTENER_HOSTS = ("bit.ly", "tinyurl.com", "cutt.ly", "rebrand.ly", "is.gd", "ow.ly", "shorturl.at", "rb.gy",
                   "tiny.cc", "s.id")
# Sites whose links say nothing by themselves (posts, news, explorers); a path that names an account still counts.
PLATFORM_HOSTS = ("x.com", "twitter.com", "t.me", "telegram.me", "youtube.com", "youtu.be")

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'，。）)]+|\b[a-z0-9][a-z0-9-]{1,62}(?:\.[a-z0-9-]{1,62})*\.(?:com|net|org|io|app|"
                 r"xyz|top|cc|co|info|site|online|live|link|pro|me|vip|club|shop)\b(?:/[^\s<>\"'，。]*)?", re.IGNORECASE)
EMAIL = re.compile(r"\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b", re.IGNORECASE)
PHONE = re.compile(r"(?:whatsapp|wa|tel|phone|call|电话|微信)\D{0,6}\+?\d[\d\s-]{7,}\d|\+\d{1,3}[\s-]?\d{3,4}[\s-]?\d{3,4}[\s-]?\d{0,4}",
                   re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,32})")
