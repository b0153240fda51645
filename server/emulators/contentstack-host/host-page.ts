/**
 * The simulated Contentstack page around our iframe: top bar, location nav, the host-drawn Save bar (config
 * location) or dashboard widget card, and the `#app` iframe. Behaviour lives in static/host-page.js, which reads
 * `#host-context`; both scripts load in <head> so the post-robot handlers exist before the iframe can send `init`.
 */
import { APP_NAME, STACK_NAME } from "./init-payload";
import type { InstallationData } from "./host-state";
import { HOST_LOCATIONS, LOCATIONS, type HostLocation } from "./locations";

/** Unconfirmed (doc §4): whether the real host writes installation data on each setInstallationData or on Save. */
export type InstallationDataWrites = "on-save" | "on-every-set";

export interface HostPageModel {
  location: HostLocation;
  appFrameUrl: string;
  appOrigin: string;
  initPayload: Record<string, unknown>;
  saved: InstallationData;
  storePrefix: string;
  installationDataWrites: InstallationDataWrites;
}

export function hostPagePath(location: HostLocation): string {
  return `/host.html?location=${location}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script> must not be able to close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function navigation(current: HostLocation): string {
  const links = HOST_LOCATIONS.map((location) => {
    const currentAttributes = location === current ? ' class="active" aria-current="page"' : "";
    return `<a href="${escapeHtml(hostPagePath(location))}" data-location="${location}"${currentAttributes}>${escapeHtml(LOCATIONS[location].navLabel)}</a>`;
  });
  return `<nav id="location-nav" aria-label="App locations">${links.join("")}</nav>`;
}

function appFrame(model: HostPageModel): string {
  return `<iframe id="app" src="${escapeHtml(model.appFrameUrl)}" title="${escapeHtml(`${APP_NAME}: ${LOCATIONS[model.location].navLabel}`)}"></iframe>`;
}

function locationContent(model: HostPageModel): string {
  switch (model.location) {
    case "APP_CONFIG_WIDGET":
      return `<div id="save-bar" class="save-bar">
  <h1>${escapeHtml(APP_NAME)} <span class="subtitle">Configuration</span></h1>
  <span id="validity-message" class="validity-message" role="alert"></span>
  <span id="save-message" class="save-message" role="status" data-status="idle"></span>
  <button id="save-button" type="button" class="primary-button">Save</button>
</div>
<div class="frame-area">${appFrame(model)}</div>`;
    case "FULL_PAGE_LOCATION":
      return `<div class="frame-area">${appFrame(model)}</div>`;
    case "DASHBOARD":
      return `<section class="dashboard">
  <div id="dashboard-widget" class="widget">
    <div class="widget-header">
      <h2>${escapeHtml(APP_NAME)}</h2>
      <button id="dashboard-width-toggle" type="button" class="icon-button" hidden>Collapse to half width</button>
    </div>
    ${appFrame(model)}
  </div>
  <div class="widget placeholder-widget"><div class="widget-header"><h2>Recently modified entries</h2></div></div>
</section>`;
  }
}

export function renderHostPage(model: HostPageModel): string {
  const context = {
    location: model.location,
    appOrigin: model.appOrigin,
    initPayload: model.initPayload,
    saved: model.saved,
    storePrefix: model.storePrefix,
    installationDataWrites: model.installationDataWrites,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(LOCATIONS[model.location].navLabel)} · Contentstack (local simulator)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/host-page.css">
<script type="application/json" id="host-context">${scriptJson(context)}</script>
<script src="/post-robot.js"></script>
<script src="/host-page.js"></script>
</head>
<body data-location="${model.location}">
<header class="top-bar">
  <span class="logo">contentstack</span>
  <span class="stack-name">${escapeHtml(STACK_NAME)}</span>
  <span class="simulator-badge" title="Stands in for Contentstack; nothing here talks to the real service">Local simulator</span>
</header>
<div class="layout">
${navigation(model.location)}
<main class="content">
${locationContent(model)}
</main>
</div>
</body>
</html>
`;
}
