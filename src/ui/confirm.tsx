import { ModalBody, ModalFooter, ModalHeader, cbModal } from "@contentstack/venus-components";
import type { ReactNode } from "react";
import { ActionButton } from "./ActionButton";

interface ConfirmOptions {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** On the dialog; its buttons get `<testId>-confirm` and `<testId>-cancel`. */
  testId: string;
}

/**
 * Asks before a consequential action, in a venus `cbModal` (inside Contentstack it asks the host to show the app
 * full-screen behind the dialog). Resolves true only when the confirm button was clicked; Cancel and Escape say no.
 */
export function confirmAction({ title, body, confirmLabel, testId }: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    cbModal({
      component: ({ closeModal }: { closeModal: (confirmed?: boolean) => void }) => (
        <>
          <ModalHeader title={title} />
          <ModalBody>{body}</ModalBody>
          {/* venus lays the footer out right to left: Cancel ends up first. */}
          <ModalFooter>
            <ActionButton buttonType="destructive" onClick={() => closeModal(true)} testId={`${testId}-confirm`}>
              {confirmLabel}
            </ActionButton>
            <ActionButton buttonType="tertiary" onClick={() => closeModal(false)} testId={`${testId}-cancel`}>
              Cancel
            </ActionButton>
          </ModalFooter>
        </>
      ),
      modalProps: {
        size: "small",
        shouldCloseOnEscape: true,
        contentLabel: title,
        onClose: (confirmed?: boolean) => resolve(confirmed === true),
      },
      testId,
    });
  });
}
