// Host side of the post-robot protocol (contentstack-app.md §9–§11), served as is (no build step). Loaded in
// <head> after post-robot.js so every handler is registered before the #app iframe starts loading.
"use strict";
(() => {
  const context = JSON.parse(document.getElementById("host-context").textContent);
  const postRobot = window.postRobot;

  const hostState = { draft: structuredClone(context.saved), saved: context.saved, validity: { isValid: true } };
  const received = [];
  window.hostState = hostState;
  window.received = received;

  const appFrame = () => document.getElementById("app");

  // Recorded from the raw message stream so requests no handler answers (and post-robot's own hello) show up too.
  window.addEventListener("message", (event) => {
    const frame = appFrame();
    if (!frame || event.source !== frame.contentWindow || typeof event.data !== "string") return;
    let message;
    try {
      message = JSON.parse(event.data).__postRobot__;
    } catch {
      return;
    }
    if (message && message.type === "postrobot_message_request") {
      received.push({ name: message.name, data: message.data });
    }
  });

  async function requestJson(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? null),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || `${method} ${path} answered ${response.status}`);
    return answer;
  }

  const on = (name, reply) => postRobot.on(name, { domain: context.appOrigin }, (event) => reply(event.data));

  on("init", () => context.initPayload);
  on("getConfig", () => hostState.saved.configuration);
  on("getInstallationData", () => hostState.saved);
  on("setInstallationData", async (data) => {
    hostState.draft = data;
    if (context.installationDataWrites === "on-every-set") {
      hostState.saved = (await requestJson("PUT", "/api/installation-data", data)).saved;
    }
    return data;
  });
  on("setValidity", (validity) => {
    hostState.validity = validity;
    renderSaveBar();
    return {};
  });
  on("resize", (height) => {
    const pixels = Number.parseFloat(height);
    if (!Number.isFinite(pixels) || pixels < 0) {
      throw new Error(`resize expects a height in pixels, got ${JSON.stringify(height)}`);
    }
    appFrame().style.height = `${Math.ceil(pixels)}px`;
    return {};
  });
  on("window", (request) => {
    applyWindowAction(request && request.action);
    return {};
  });
  on("store", (request) => answerStore(request || {}));
  on("goFullscreen", (request) => {
    document.body.classList.toggle("app-fullscreen", Boolean(request && request.open));
    return {};
  });
  for (const name of ["analytics", "eventRegistration", "ready", "DOMCopy"]) on(name, () => ({}));
  on("apiAdapter", (request) => requestJson("POST", "/api/api-adapter", request));
  on("stackQuery", async (query) => {
    const { data, error } = await requestJson("POST", "/api/stack-query", query);
    if (error) throw new Error(error);
    return data;
  });

  // sdk.store: the host's localStorage, one namespace per installation.
  function answerStore({ action, key, value }) {
    const prefix = context.storePrefix;
    const ownKeys = () =>
      Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)).filter((k) => k.startsWith(prefix));
    switch (action) {
      case "get": {
        const raw = localStorage.getItem(prefix + key);
        return raw === null ? null : JSON.parse(raw);
      }
      case "getAll":
        return Object.fromEntries(ownKeys().map((k) => [k.slice(prefix.length), JSON.parse(localStorage.getItem(k))]));
      case "set":
        localStorage.setItem(prefix + key, JSON.stringify(value));
        return {};
      case "remove":
        localStorage.removeItem(prefix + key);
        return {};
      case "clear":
        ownKeys().forEach((k) => localStorage.removeItem(k));
        return {};
      default:
        throw new Error(`store action ${action} is not supported`);
    }
  }

  // App Configuration: the Save bar Contentstack draws above the iframe.
  let saving = false;

  function renderSaveBar() {
    const button = document.getElementById("save-button");
    if (!button) return;
    const blocked = hostState.validity.isValid === false;
    const message = blocked ? (hostState.validity.options && hostState.validity.options.message) || "" : "";
    button.disabled = blocked || saving;
    button.title = message;
    document.getElementById("validity-message").textContent = message;
  }

  function showSaveMessage(text, status) {
    const element = document.getElementById("save-message");
    element.textContent = text;
    element.dataset.status = status;
  }

  async function save() {
    saving = true;
    renderSaveBar();
    showSaveMessage("Saving…", "pending");
    try {
      const { saved, webhook } = await requestJson("POST", "/api/save", hostState.draft);
      hostState.saved = saved;
      if (webhook.outcome === "failed") showSaveMessage(`Saved, but the update webhook failed: ${webhook.error}`, "error");
      else if (webhook.outcome === "skipped") showSaveMessage("Saved (no lifecycle webhook URL configured)", "ok");
      else showSaveMessage("Saved", "ok");
    } catch (error) {
      showSaveMessage(`Not saved: ${error.message}`, "error");
    } finally {
      saving = false;
      renderSaveBar();
    }
  }

  // Dashboard: widget width, the expand button shown after `window {action:"enableResizing"}`, top padding.
  let dashboardWidth = context.initPayload.dashboard_width === "full_width" ? "full_width" : "half_width";

  function renderDashboardWidth() {
    const widget = document.getElementById("dashboard-widget");
    if (!widget) return;
    widget.classList.toggle("full-width", dashboardWidth === "full_width");
    document.getElementById("dashboard-width-toggle").textContent =
      dashboardWidth === "full_width" ? "Collapse to half width" : "Expand to full width";
  }

  function applyWindowAction(action) {
    const widget = document.getElementById("dashboard-widget");
    if (!widget) return;
    if (action === "enableResizing") document.getElementById("dashboard-width-toggle").hidden = false;
    if (action === "dashboardEnableTopPadding") widget.classList.add("top-padding");
    if (action === "dashboardDisableTopPadding") widget.classList.remove("top-padding");
  }

  function toggleDashboardWidth() {
    dashboardWidth = dashboardWidth === "full_width" ? "half_width" : "full_width";
    renderDashboardWidth();
    postRobot
      .send(appFrame().contentWindow, "extensionEvent", { name: "dashboardResize", state: dashboardWidth }, {
        domain: context.appOrigin,
      })
      .catch((error) => console.warn("dashboardResize was not delivered:", error));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const saveButton = document.getElementById("save-button");
    if (saveButton) saveButton.addEventListener("click", save);
    const widthToggle = document.getElementById("dashboard-width-toggle");
    if (widthToggle) widthToggle.addEventListener("click", toggleDashboardWidth);
    renderSaveBar();
    renderDashboardWidth();
  });
})();
