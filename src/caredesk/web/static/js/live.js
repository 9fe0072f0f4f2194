/* caredesk's live stream, on top of htmx's SSE extension (hx-ext="sse" sse-connect="/live").
 *
 * - Keeps the stream's place: every event carries an id (a position); when the extension has
 *   to open a new EventSource after an error, the place goes with it (?last_event_id=), so
 *   the server sends what was missed meanwhile. (The browser's own reconnection sends the
 *   Last-Event-ID header by itself.)
 * - Shows the state of the connection in #live-status.
 * - Puts a count of new callback offers in the title until the person comes back to the tab.
 * - Re-dispatches every event as a "caredesk:live" DOM event (detail: {family, kind, payload,
 *   id}) for page scripts; elements refresh themselves with hx-trigger="sse:<family>".
 */
(function () {
  "use strict";
  var lastId = null;
  var baseTitle = document.title;
  var unseenOffers = 0;

  function families() {
    var holder = document.getElementById("live");
    var names = holder && holder.getAttribute("data-live-families");
    return names ? names.split(/\s+/).filter(Boolean) : [];
  }

  function withPosition(url) {
    if (!lastId) { return url; }
    var parts = url.split("#")[0].split("?");
    var query = new URLSearchParams(parts[1] || "");
    query.set("last_event_id", lastId);
    return parts[0] + "?" + query.toString();
  }

  function setStatus(state, text) {
    var badge = document.getElementById("live-status");
    if (!badge) { return; }
    badge.setAttribute("data-state", state);
    badge.textContent = text;
  }

  function showTitle() {
    document.title = unseenOffers > 0 ? "(" + unseenOffers + ") " + baseTitle : baseTitle;
  }

  function seen() {
    if (document.visibilityState === "visible" && document.hasFocus() && unseenOffers > 0) {
      unseenOffers = 0;
      showTitle();
    }
  }

  function onEvent(event) {
    if (event.lastEventId) { lastId = event.lastEventId; }
    var data = {};
    try { data = JSON.parse(event.data); } catch (ignored) { return; }
    if (data.kind === "session.ended") {
      window.location.assign("/signin?next=" + encodeURIComponent(window.location.pathname));
      return;
    }
    var me = document.body.getAttribute("data-agent-id");
    if (data.kind === "callback.offered" && me && String(data.payload.agent_id) === me) {
      unseenOffers += 1;
      showTitle();
    }
    document.dispatchEvent(new CustomEvent("caredesk:live", {
      detail: { family: event.type, kind: data.kind, payload: data.payload, id: event.lastEventId }
    }));
  }

  function start() {
    if (!window.htmx) { return; }
    htmx.createEventSource = function (url) {
      var source = new EventSource(withPosition(url), { withCredentials: true });
      families().forEach(function (name) { source.addEventListener(name, onEvent); });
      return source;
    };
    document.body.addEventListener("htmx:sseOpen", function () { setStatus("live", "Live"); });
    document.body.addEventListener("htmx:sseError", function () {
      setStatus("reconnecting", "Reconnecting…");
    });
    document.addEventListener("visibilitychange", seen);
    window.addEventListener("focus", seen);
    document.addEventListener("keydown", seen);
    document.addEventListener("pointerdown", seen);
  }

  // Deferred scripts run before DOMContentLoaded, when htmx starts the stream: the factory
  // is in place by then.
  start();
})();
