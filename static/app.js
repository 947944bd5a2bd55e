// OPS Desktop: small enhancements on top of pages that already work without JavaScript.
// Drag and drop on the board, autosaving edits, live updates over Server-Sent Events and
// keyboard shortcuts. No framework, no third-party code.
"use strict";

(function () {
  document.documentElement.classList.add("js");
  const body = document.body;
  const signedIn = body.hasAttribute("data-user-id");

  // ---- API calls: JSON, same origin (the browser sends Origin), cookie session ----------
  async function api(method, path, payload) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    const response = await fetch(path, options);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    return { ok: response.ok, status: response.status, data };
  }

  function describe(result) {
    if (result.data && result.data.details) {
      return Object.entries(result.data.details).map(([f, p]) => f + ": " + p.join("; ")).join(". ");
    }
    return (result.data && result.data.error) || "Something went wrong (" + result.status + ")";
  }

  // ---- Keyboard shortcuts ----------------------------------------------------------------
  const dialog = document.getElementById("shortcuts");
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function navItems() { return Array.from(document.querySelectorAll("[data-nav-item]")); }
  function select(delta) {
    const items = navItems();
    if (!items.length) return;
    let index = items.findIndex((el) => el.getAttribute("aria-selected") === "true");
    if (index >= 0) items[index].setAttribute("aria-selected", "false");
    index = index < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, index + delta));
    items[index].setAttribute("aria-selected", "true");
    items[index].scrollIntoView({ block: "nearest" });
    const link = items[index].querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }
  document.addEventListener("keydown", (event) => {
    if (!signedIn || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && dialog && !dialog.hidden) { dialog.hidden = true; return; }
    if (typing(event.target)) return;
    if (event.key === "?") { if (dialog) { dialog.hidden = false; dialog.querySelector("button").focus(); } event.preventDefault(); }
    else if (event.key === "c") { window.location.href = "/work/new"; event.preventDefault(); }
    else if (event.key === "/") {
      const search = document.querySelector("[data-search]");
      if (search) search.focus(); else window.location.href = "/work?focus=search";
      event.preventDefault();
    } else if (event.key === "j") { select(1); event.preventDefault(); }
    else if (event.key === "k") { select(-1); event.preventDefault(); }
  });
  if (dialog) {
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog || event.target.hasAttribute("data-close-shortcuts")) dialog.hidden = true;
    });
  }
  const focusSearch = new URLSearchParams(window.location.search).get("focus") === "search";
  if (focusSearch) { const search = document.querySelector("[data-search]"); if (search) search.focus(); }

  // ---- Board: drag and drop --------------------------------------------------------------
  let dragged = null;
  let origin = null;
  function clearError(card) {
    card.classList.remove("refused");
    const old = card.querySelector(".card-error");
    if (old) old.remove();
  }
  function showError(card, text) {
    card.classList.add("refused");
    const note = document.createElement("p");
    note.className = "card-error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    card.appendChild(note);
  }
  function cardAfter(list, y) {
    const cards = Array.from(list.querySelectorAll(".item-card:not(.dragging)"));
    return cards.find((card) => { const box = card.getBoundingClientRect(); return y < box.top + box.height / 2; }) || null;
  }
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest(".item-card");
    if (!card) return;
    dragged = card;
    origin = { list: card.parentElement, next: card.nextElementSibling };
    card.classList.add("dragging");
    clearError(card);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  document.addEventListener("dragover", (event) => {
    const list = event.target.closest && event.target.closest(".cards");
    if (!dragged || !list) return;
    event.preventDefault();
    list.closest(".column").classList.add("drop-target");
    const before = cardAfter(list, event.clientY);
    if (before) list.insertBefore(dragged, before); else list.appendChild(dragged);
  });
  document.addEventListener("dragleave", (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  document.addEventListener("dragend", async () => {
    if (!dragged) return;
    const card = dragged;
    const from = origin;
    dragged = null;
    card.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
    const list = card.parentElement;
    if (list === from.list && card.nextElementSibling === from.next) return;
    const previous = card.previousElementSibling;
    const payload = {
      status: list.dataset.status,
      placeAfterId: previous && previous.dataset.id ? previous.dataset.id : null,
      version: Number(card.dataset.version),
    };
    const result = await api("PATCH", "/api/work-items/" + card.dataset.id, payload);
    if (result.ok) {
      card.dataset.version = result.data.data.version;
      card.dataset.status = result.data.data.status;
      updateCounts();
    } else {
      // Put the card back where it was and say why.
      if (from.next && from.next.parentElement === from.list) from.list.insertBefore(card, from.next);
      else from.list.appendChild(card);
      showError(card, describe(result));
      updateCounts();
    }
  });
  function updateCounts() {
    document.querySelectorAll(".column").forEach((column) => {
      const count = column.querySelector("[data-count]");
      if (count) count.textContent = column.querySelectorAll(".item-card").length;
    });
  }

  // ---- Autosaving edit forms (the item page) ---------------------------------------------
  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    const status = form.querySelector("[data-save-status]");
    form.addEventListener("change", async (event) => {
      const field = event.target;
      const name = field.dataset.field;
      if (!name) return;
      let value = field.type === "checkbox" ? field.checked : field.value;
      if (field.dataset.kind === "time") value = value ? new Date(value).toISOString() : null;
      else if (field.dataset.kind === "nullable" && value === "") value = null;
      else if (field.dataset.kind === "tags") value = value.split(/[\s,]+/).filter(Boolean);
      const version = form.querySelector("[name=version]");
      const payload = { version: Number(version.value) };
      payload[name] = value;
      if (status) status.textContent = "Saving…";
      const result = await api("PATCH", form.dataset.autosave, payload);
      if (result.ok) {
        version.value = result.data.data.version;
        body.dataset.itemVersion = result.data.data.version;
        if (status) status.textContent = "Saved";
      } else if (status) {
        status.textContent = describe(result);
      }
    });
  });

  // ---- Live updates -------------------------------------------------------------------------
  function banner(text) {
    if (document.querySelector(".live-banner")) return;
    const note = document.createElement("div");
    note.className = "live-banner";
    note.setAttribute("role", "status");
    const link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = "Reload";
    note.append(text + " ", link);
    body.appendChild(note);
  }
  async function refreshCard(change) {
    const board = document.querySelector(".board");
    if (!board) return false;
    const existing = board.querySelector('.item-card[data-id="' + change.id + '"]');
    if (existing && Number(existing.dataset.version) >= change.version) return true;
    const response = await fetch("/board/cards/" + change.id, { credentials: "same-origin" });
    if (existing && existing === dragged) return true;
    if (existing) existing.remove();
    if (!response.ok) { updateCounts(); return true; }
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const card = holder.firstElementChild;
    const list = board.querySelector('.cards[data-status="' + change.status + '"]');
    if (!card || !list) { updateCounts(); return true; }
    const after = Array.from(list.querySelectorAll(".item-card")).find((c) => c.dataset.rank > card.dataset.rank);
    if (after) list.insertBefore(card, after); else list.appendChild(card);
    card.classList.add("live-updated");
    updateCounts();
    return true;
  }
  // One stream per page. It is closed when the page is hidden (navigation, back/forward
  // cache) — an open stream held by a cached page would use up the browser's six connections
  // per host and stall the next page — and reopened if the page comes back from that cache.
  let source = null;
  async function onItem(event) {
    const change = JSON.parse(event.data);
    if (await refreshCard(change)) return;
    const current = body.dataset.itemId;
    if (current) {
      if (current === change.id && Number(body.dataset.itemVersion) < change.version) banner("Someone changed this item.");
    } else if (body.dataset.liveList === "on") {
      banner("There are new changes.");
    }
  }
  function openStream() {
    if (source || !signedIn || !window.EventSource || body.dataset.live === "off") return;
    source = new EventSource("/api/stream");
    source.addEventListener("item", onItem);
  }
  function closeStream() {
    if (source) { source.close(); source = null; }
  }
  window.addEventListener("pagehide", closeStream);
  window.addEventListener("pageshow", openStream);
  openStream();
})();
