import { useContext } from "react";
import { useSession } from "./hooks";
import { SdkContext } from "./sdk-context";
import { sessionEndedMessage } from "./session";

/** Says why calls to our API cannot work; the rest of the page (e.g. editing the configuration) still does. */
export function SessionBanner() {
  const state = useSession();
  const context = useContext(SdkContext);
  if (state.status === "expired") {
    return (
      <div className="banner banner--error" role="alert" data-test-id="session-expired">
        {sessionEndedMessage(state.reason)}
      </div>
    );
  }
  if (state.status === "unavailable" && context) {
    return (
      <div className="banner banner--warning" role="alert" data-test-id="session-unavailable">
        <span>{state.message}</span>
        {/* A plain button: venus stays out of the shell chunk, which must load fast to start init(). */}
        <button type="button" className="text-button" onClick={() => void context.session.renew()} data-test-id="session-retry">
          Retry
        </button>
      </div>
    );
  }
  return null;
}
