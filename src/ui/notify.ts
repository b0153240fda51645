import { Notification } from "@contentstack/venus-components";

/** venus `Notification` (typed `any`): a toast inside our iframe. */
export function notify(type: "success" | "error" | "warning", text: string, description?: string): void {
  Notification({ type, notificationContent: { text, description } });
}
