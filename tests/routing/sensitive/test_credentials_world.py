"""OTP and password wording as customers write it (issue #13): codes named a few words before their value,
forwarded SMS templates, a password next to a code, punctuation that belongs to the password."""
import pytest

from routing.sensitive import detect


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in detect(text) if f.kind in ("otp", "password")]


@pytest.mark.parametrize(
    "text, value",
    [
        ("the 2FA code from Google Authenticator is 301067", "301067"),
        ("the verification code you sent is 243761", "243761"),
        ("The SMS code I just received was 558120, is that the right one?", "558120"),
        ("【某某钱包】您的验证码为731905，5分钟内有效，请勿泄露给他人。", "731905"),
        ("【Binance】验证码：482913，您正在进行提币操作，10分钟内有效。", "482913"),
        ("[WalletApp] Your verification code is 620194. It expires in 5 minutes.", "620194"),
        ("您的短信验证码是 3901，请在3分钟内输入", "3901"),
        ("G-284613 is your Google verification code.", "284613"),
        ("谷歌验证器上显示的是 774215", "774215"),
    ],
)
def test_codes_in_real_wording(text: str, value: str) -> None:
    assert ("otp", value) in found(text)


def test_password_next_to_a_code_is_whole_and_the_code_is_the_six_digits() -> None:
    assert found("密码 Lina@2023 验证码 482913") == [("password", "Lina@2023"), ("otp", "482913")]


@pytest.mark.parametrize(
    "text, value",
    [
        ("my password is Summer2024!", "Summer2024!"),
        ("password: Qwerty123?!", "Qwerty123?!"),
        ("密码是Abc12345!，帮我看看", "Abc12345!"),
        ("my password is hunter22. Please reset it", "hunter22"),
    ],
)
def test_trailing_punctuation_of_a_password(text: str, value: str) -> None:
    assert ("password", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "the code from the app is not working",
        "error code 4031 when I withdraw",
        "the code you sent expired after 5 minutes",
        "验证码收不到，等了10分钟",
        "invite code from my friend is 123456",
        "I paid 1,500 USDT and the order code is 778812",
    ],
)
def test_no_code_where_there_is_none(text: str) -> None:
    assert [kind for kind, _ in found(text) if kind == "otp"] == []
