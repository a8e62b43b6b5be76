// Interface strings for the admin's classifier page (learning from agents' type corrections); both languages.
export const EN_CLASSIFIER = {
  "admin.classifier": "Classifier",
  "classifier.help": "When an agent changes a conversation's type, the (masked) first message and the new type are kept as an example. Retrain folds them into this inbox's model; every fifth correction is held out to measure it before and after.",
  "classifier.model": "In use: {model}", "classifier.shipped": "the shipped model", "classifier.deployment": "version {id} (trained with your corrections)",
  "classifier.corrections": "{n} corrections recorded",
  "classifier.retrain": "Retrain with corrections", "classifier.force": "use it even if it measures worse",
  "classifier.rollback": "Roll back", "classifier.retraining": "Retraining… this takes about a minute.",
  "classifier.col.version": "Version", "classifier.col.when": "When", "classifier.col.by": "By",
  "classifier.col.trained": "Trained on", "classifier.col.heldout": "Held out",
  "classifier.col.before": "Before (held-out F1)", "classifier.col.after": "After (held-out F1)", "classifier.col.state": "State",
  "classifier.active": "active", "classifier.rolledBack": "rolled back", "classifier.kept": "not used",
  "classifier.done": "Retrained: version {id}, held-out macro-F1 {before} → {after}.",
  "classifier.notUsed": "The new model measured worse and is not used.", "classifier.rolledBackTo": "Rolled back.",
};
export const ZH_CLASSIFIER = {
  "admin.classifier": "分类器",
  "classifier.help": "客服修改会话类型时，会保存（已脱敏的）首条消息和新类型作为样本。重新训练会把这些样本加入本系统的模型；每五条修正留出一条，用来比较训练前后的效果。",
  "classifier.model": "当前使用：{model}", "classifier.shipped": "内置模型", "classifier.deployment": "版本 {id}（用你们的修正训练）",
  "classifier.corrections": "已记录 {n} 条修正",
  "classifier.retrain": "用修正重新训练", "classifier.force": "即使效果变差也使用",
  "classifier.rollback": "回滚", "classifier.retraining": "正在重新训练……大约需要一分钟。",
  "classifier.col.version": "版本", "classifier.col.when": "时间", "classifier.col.by": "操作人",
  "classifier.col.trained": "训练样本", "classifier.col.heldout": "留出样本",
  "classifier.col.before": "训练前（留出 F1）", "classifier.col.after": "训练后（留出 F1）", "classifier.col.state": "状态",
  "classifier.active": "使用中", "classifier.rolledBack": "已回滚", "classifier.kept": "未使用",
  "classifier.done": "已重新训练：版本 {id}，留出样本 macro-F1 {before} → {after}。",
  "classifier.notUsed": "新模型效果变差，未启用。", "classifier.rolledBackTo": "已回滚。",
};
