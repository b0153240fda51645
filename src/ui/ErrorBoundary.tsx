import { Component, type ErrorInfo, type ReactNode } from "react";
import { StatusPanel } from "./StatusPanel";

interface ErrorBoundaryState {
  error: Error | null;
}

/** Turns a render crash into a readable message instead of an empty iframe. */
export class ErrorBoundary extends Component<{ children: ReactNode }, ErrorBoundaryState> {
  state: ErrorBoundaryState = { error: null };

  static getDerivedStateFromError(error: Error): ErrorBoundaryState {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("Render failed", error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <StatusPanel title="Something went wrong" testId="app-crashed">
        <p>{error.message}</p>
        <p>Reload the page; if it keeps happening, reopen the app from Contentstack.</p>
      </StatusPanel>
    );
  }
}
