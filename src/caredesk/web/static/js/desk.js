/* The agent desktop's small behaviours, on top of htmx and live.js:
 *
 * - [data-countdown="S"]: the seconds left to take an offer, counted down from what the server
 *   said when it rendered the element (the server's clock decides, not the browser's).
 * - [data-elapsed="S"]: the time in the current state, counted up the same way.
 * - #call-workspace[data-callback-id]: refreshed (htmx event "callback-changed") when a live
 *   event names this callback, and only then, so typing elsewhere on the page is never undone.
 * - [data-offer-sound]: an opt-in short tone when a callback is offered to this agent; the
 *   choice is kept in this browser (localStorage).
 *
 * Nothing here decides anything: the pages come from the server, which runs the rules.
 */
(function () {
  "use strict";
  var SOUND_KEY = "caredesk.offerSound";
  var audio = null;

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (hours) { return hours + " h " + pad(minutes) + " min"; }
    if (minutes) { return minutes + " min " + pad(secs) + " s"; }
    return secs + " s";
  }

  // Each element keeps the moment it was first seen, so a refresh (a new element) restarts
  // from the server's fresh figure.
  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.seenAt) { el.dataset.seenAt = String(now); }
      var left = Number(el.dataset.countdown) - (now - Number(el.dataset.seenAt)) / 1000;
      el.textContent = left > 0 ? duration(left) : "expired";
      el.classList.toggle("countdown--urgent", left > 0 && left <= 30);
      el.classList.toggle("countdown--expired", left <= 0);
    });
    document.querySelectorAll("[data-elapsed]").forEach(function (el) {
      if (!el.dataset.seenAt) { el.dataset.seenAt = String(now); }
      var spent = Number(el.dataset.elapsed) + (now - Number(el.dataset.seenAt)) / 1000;
      el.textContent = duration(spent);
    });
  }

  function beep() {
    try {
      if (!audio) { audio = new (window.AudioContext || window.webkitAudioContext)(); }
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.4);
    } catch (ignored) { /* no sound on this browser */ }
  }

  function soundWanted() {
    try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch (ignored) { return false; }
  }

  function setUpSoundChoice() {
    document.querySelectorAll("[data-offer-sound]").forEach(function (box) {
      box.checked = soundWanted();
      box.addEventListener("change", function () {
        try { window.localStorage.setItem(SOUND_KEY, box.checked ? "on" : "off"); } catch (ignored) { /* private mode */ }
        if (box.checked) { beep(); }
      });
    });
  }

  function onLive(event) {
    var detail = event.detail || {};
    var payload = detail.payload || {};
    var me = document.body.getAttribute("data-agent-id");
    if (detail.kind === "callback.offered" && me && String(payload.agent_id) === me && soundWanted()) {
      beep();
    }
    if (detail.family === "callback" && payload.callback_id !== undefined) {
      var workspace = document.getElementById("call-workspace");
      if (workspace && workspace.getAttribute("data-callback-id") === String(payload.callback_id) && window.htmx) {
        htmx.trigger(workspace, "callback-changed");
      }
    }
  }

  document.addEventListener("caredesk:live", onLive);
  document.addEventListener("DOMContentLoaded", function () {
    setUpSoundChoice();
    tick();
    window.setInterval(tick, 1000);
  });
})();
