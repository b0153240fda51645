import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { BrowserRouter, Outlet, Route, Routes } from "react-router-dom";
import { LocationGuard } from "./sdk/LocationGuard";
import { APP_CONFIG, DASHBOARD, SYNC_LOG, type AppLocation } from "./sdk/locations";
import { appSession, sdkPromise } from "./sdk/sdk";
import { SdkProvider } from "./sdk/SdkProvider";
import { ErrorBoundary } from "./ui/ErrorBoundary";
import { NotFoundPage } from "./ui/NotFoundPage";
import { StatusPanel } from "./ui/StatusPanel";

/** One lazy chunk per location: venus is large and each location needs only its own page. */
const PAGES: [AppLocation, LazyExoticComponent<ComponentType>][] = [
  [APP_CONFIG, lazy(() => import("./config-screen/ConfigScreen").then((m) => ({ default: m.ConfigScreen })))],
  [SYNC_LOG, lazy(() => import("./user-inspector/FullPage").then((m) => ({ default: m.FullPage })))],
  [DASHBOARD, lazy(() => import("./dashboard-widget/DashboardWidget").then((m) => ({ default: m.DashboardWidget })))],
];

function SdkLayout() {
  return (
    <SdkProvider sdkPromise={sdkPromise} session={appSession}>
      <Outlet />
    </SdkProvider>
  );
}

export function App() {
  return (
    <ErrorBoundary>
      <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route element={<SdkLayout />}>
            {PAGES.map(([location, Page]) => (
              <Route
                key={location.path}
                path={location.path}
                element={
                  <LocationGuard location={location}>
                    <Suspense fallback={<StatusPanel title="Loading…" busy />}>
                      <Page />
                    </Suspense>
                  </LocationGuard>
                }
              />
            ))}
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </BrowserRouter>
    </ErrorBoundary>
  );
}
