// Shared names and small formatters.
import { t } from "./i18n.js";

export const ISSUE_TYPES = ["account_access", "deposit", "withdrawal", "transaction", "payment", "fees", "limits",
  "security", "complaint", "feedback", "how_to", "other"];
export const STATUSES = ["open", "pending", "snoozed", "resolved"];
export const PRIORITIES = ["low", "normal", "high", "urgent"];

export function identityLabel(identity) {
  const who = identity.display_name || identity.handle || identity.value;
  return identity.handle && identity.handle !== who ? `${who} (@${identity.handle})` : who;
}

/** Every part of an identity an agent may need: name, @handle and the raw id or address. */
export function identityFull(identity) {
  const parts = [identity.display_name, identity.handle ? `@${identity.handle}` : null, identity.value];
  return [...new Set(parts.filter(Boolean))].join(" · ");
}

export function contactName(contact) {
  if (!contact) return t("contact.unknown");
  if (contact.name) return contact.name;
  const first = (contact.identities || [])[0];
  return first ? identityLabel(first) : t("contact.unknown");
}

export function findingLabel(kind) {
  return t(`kind.${kind}`);
}
