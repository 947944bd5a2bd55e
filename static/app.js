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

  // ---- Time zone: until a person chooses one, offer the browser's --------------------------
  const offer = document.querySelector("[data-tz-offer]");
  // Chromium still reports a few zones by their old names; people know the current ones.
  const renamed = { "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon", "Europe/Kiev": "Europe/Kyiv" };
  const reported = window.Intl ? Intl.DateTimeFormat().resolvedOptions().timeZone : "";
  const browserZone = renamed[reported] || reported;
  // Nothing to offer when the browser is already in the zone the pages use.
  if (offer && browserZone && browserZone !== offer.dataset.tzCurrent) {
    offer.querySelector("[data-tz-name]").textContent = browserZone.replace(/_/g, " ");
    offer.querySelector("[data-tz-use]").value = browserZone;
    offer.querySelector("[data-tz-next]").value = window.location.pathname + window.location.search;
    offer.hidden = false;
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

  // ---- Sidebar: remember a collapsed sidebar and closed groups; Escape closes the drawer ----
  // The CSS works from two checkboxes and <details> alone; this only carries their state from
  // page to page, since without a script every page starts with the sidebar open.
  function remembered(key) { try { return window.localStorage.getItem(key); } catch (_) { return null; } }
  function remember(key, value) { try { window.localStorage.setItem(key, value); } catch (_) { /* private mode */ } }
  const navHide = document.getElementById("nav-hide");
  if (navHide) {
    navHide.checked = remembered("ops.nav.hidden") === "1";
    navHide.addEventListener("change", () => remember("ops.nav.hidden", navHide.checked ? "1" : "0"));
  }
  document.querySelectorAll("[data-nav-group]").forEach((group) => {
    const key = "ops.nav.group." + group.dataset.navGroup;
    if (remembered(key) === "closed") group.open = false;
    group.addEventListener("toggle", () => remember(key, group.open ? "open" : "closed"));
  });
  const navOpen = document.getElementById("nav-open");
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && navOpen && navOpen.checked) { navOpen.checked = false; navOpen.focus(); }
  });

  // ---- Board: drag and drop --------------------------------------------------------------
  // A card can be dropped anywhere on a column. Open columns keep the order people give them;
  // closed ones list the most recent first, so a card dropped there goes to the top; a folded
  // column takes the card without showing it.
  let dragged = null;
  let origin = null;
  let target = null;
  function clearError(card) {
    card.classList.remove("refused");
    const old = card.querySelector(".card-error");
    if (old) old.remove();
  }
  // A refusal says why in a sentence on the card, then fades after a while.
  function showError(card, text) {
    clearError(card);
    card.classList.add("refused");
    const note = document.createElement("p");
    note.className = "card-error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    card.appendChild(note);
    setTimeout(() => {
      note.classList.add("fading");
      setTimeout(() => { if (note.isConnected) { note.remove(); card.classList.remove("refused"); } }, 700);
    }, 8000);
  }
  function sentence(text) {
    const trimmed = String(text || "").trim();
    if (!trimmed) return "";
    const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
    return /[.!?]$/.test(first) ? first : first + ".";
  }
  // The server's reasons are already written for people (the QC gate names the proofer); the
  // rest of what can go wrong is said here in the same voice.
  function refusal(result) {
    if (result.status === 0) return "Not moved: the server could not be reached. The card is back where it was.";
    if (result.status === 409) return sentence(result.data && result.data.error);
    if (result.status === 403 || result.status === 401) return "Not moved: you are signed out or may not change this card. Reload the page.";
    if (result.status === 404) return "Not moved: this card was deleted in the meantime.";
    if (result.status === 429) return "Not moved: too many changes at once. Wait a moment and try again.";
    if (result.status >= 500) return "Not moved: something went wrong on the server. Try again in a moment.";
    return sentence("Not moved: " + describe(result));
  }
  function cardAfter(list, y) {
    const cards = Array.from(list.querySelectorAll(".item-card:not(.dragging)"));
    return cards.find((card) => { const box = card.getBoundingClientRect(); return y < box.top + box.height / 2; }) || null;
  }
  // Column counts follow moves by one; a count that stopped at its cap ("1,000+") stays.
  function adjustCount(status, delta) {
    const column = document.querySelector('.column[data-column="' + status + '"]');
    const count = column && column.querySelector("[data-count]");
    if (!count || count.hasAttribute("data-at-least")) return;
    const next = Math.max(0, Number(count.dataset.count) + delta);
    count.dataset.count = next;
    count.textContent = next.toLocaleString("en-GB");
  }
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest(".item-card");
    if (!card) return;
    dragged = card;
    origin = { list: card.parentElement, next: card.nextElementSibling, status: card.parentElement.dataset.status };
    target = null;
    card.classList.add("dragging");
    clearError(card);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  document.addEventListener("dragover", (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (!dragged || !column) return;
    event.preventDefault();
    if (target && target !== column) target.classList.remove("drop-target");
    target = column;
    column.classList.add("drop-target");
    if (column.classList.contains("folded")) return;
    const list = column.querySelector(".cards");
    if (list.dataset.order === "recent") {
      if (list.firstElementChild !== dragged) list.prepend(dragged);
      return;
    }
    const before = cardAfter(list, event.clientY);
    if (before) list.insertBefore(dragged, before); else list.appendChild(dragged);
  });
  document.addEventListener("dragleave", (event) => {
    const column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  function putBack(card, from) {
    if (from.next && from.next.parentElement === from.list) from.list.insertBefore(card, from.next);
    else from.list.appendChild(card);
  }
  document.addEventListener("dragend", async () => {
    if (!dragged) return;
    const card = dragged;
    const from = origin;
    const column = target;
    dragged = null;
    target = null;
    card.classList.remove("dragging");
    document.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
    if (!column) { putBack(card, from); return; }
    const folded = column.classList.contains("folded");
    const list = column.querySelector(".cards");
    if (!folded && list === from.list && card.nextElementSibling === from.next) return;
    if (folded && list === from.list) return;
    const previous = folded ? null : card.previousElementSibling;
    const payload = {
      status: list.dataset.status,
      placeAfterId: previous && previous.dataset.id && list.dataset.order !== "recent" ? previous.dataset.id : null,
      version: Number(card.dataset.version),
    };
    let result;
    try { result = await api("PATCH", "/api/work-items/" + card.dataset.id, payload); } catch (_) { result = { ok: false, status: 0, data: null }; }
    if (result.ok) {
      card.dataset.version = result.data.data.version;
      card.dataset.status = result.data.data.status;
      if (list.dataset.status !== from.status) { adjustCount(from.status, -1); adjustCount(list.dataset.status, 1); }
      if (folded) card.remove();
    } else {
      putBack(card, from);
      showError(card, refusal(result));
    }
  });

  // Adding a card: the column's form opens with its title field focused; Escape closes it.
  document.querySelectorAll(".add-card").forEach((details) => {
    details.addEventListener("toggle", () => {
      if (details.open) details.querySelector("input[name=title]").focus();
    });
    details.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { details.open = false; details.querySelector("summary").focus(); }
    });
  });

  // ---- The item page: one form, one way to save ------------------------------------------
  // Every control of the item (details, waiting, QC settings, checklist) belongs to one form.
  // A change saves its group of controls at once; Save, Approve and Request changes post the
  // whole form. Saves run one after another, each with the version the previous one left, so
  // a person's own edits never collide. Without this script the form posts as it is.
  let itemSaves = Promise.resolve();
  const itemForm = document.querySelector("form[data-item-form]");
  if (itemForm) itemPage(itemForm);

  function itemPage(form) {
    const notice = document.querySelector("[data-save-notice]");
    const state = form.querySelector("[data-save-state]");
    const pending = new Map(); // group → the edit number of its last change
    let edits = 0;
    const controls = () => Array.from(form.elements).filter((el) => el.dataset.group);
    const version = () => form.querySelector('input[name="version"]').value;
    function setVersion(value) {
      document.querySelectorAll('input[name="version"]').forEach((input) => { input.value = value; });
      body.dataset.itemVersion = value;
      const changed = document.querySelector("[data-changed]");
      if (changed) changed.textContent = "just now";
    }
    function say(text, error) {
      if (!notice) return;
      notice.replaceChildren();
      if (!text) return;
      const note = document.createElement("p");
      note.className = "flash " + (error ? "flash-error" : "flash-ok");
      note.setAttribute("role", error ? "alert" : "status");
      const icon = document.createElement("span");
      icon.className = "flash-icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = error ? "!" : "✓";
      note.append(icon, " " + text);
      notice.appendChild(note);
    }
    // Waiting needs both who and what for; until both are there it is not sent.
    function ready(group) {
      if (group !== "waiting") return true;
      const who = form.elements.namedItem("waiting_on_user_id");
      const why = form.elements.namedItem("waiting_reason");
      return !who.value || why.value.trim() !== "";
    }
    function hidden(name, value) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      input.setAttribute("form", form.id);
      input.dataset.group = "checklist";
      return input;
    }
    function drawChecklist(list) {
      const holder = document.querySelector("[data-checklist-entries]");
      if (!holder || !list) return;
      holder.replaceChildren();
      list.forEach((entry, index) => {
        const box = document.createElement("input");
        box.type = "checkbox";
        box.name = "checked_" + index;
        box.value = "true";
        box.checked = entry.checked;
        box.setAttribute("form", form.id);
        box.dataset.group = "checklist";
        const label = document.createElement("label");
        label.append(box, " " + entry.label);
        holder.append(hidden("label_" + index, entry.label), hidden("checked_" + index, "false"), label);
      });
      const add = form.elements.namedItem("label_new");
      if (add) add.value = "";
    }
    // Shows the stored values in the controls of `groups` that the person is not editing.
    function show(values, groups, refused) {
      if (!values) return;
      controls().forEach((el) => {
        const group = el.dataset.group;
        if (!groups.has(group) || pending.has(group) || group === "checklist" || el.type === "hidden") return;
        if (el === document.activeElement && !refused) return;
        if (el.type === "checkbox") el.checked = !!values[el.name];
        else if (el.name in values) el.value = values[el.name];
        if (refused) {
          el.classList.add("put-back");
          setTimeout(() => el.classList.remove("put-back"), 4000);
        }
      });
      if (groups.has("checklist") && !pending.has("checklist")) drawChecklist(values.checklist);
    }
    async function send(data, groups, marks) {
      if (state) state.textContent = "Saving…";
      let result;
      try {
        const response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
        });
        let answer = null;
        try { answer = await response.json(); } catch (_) { answer = null; }
        result = { ok: response.ok, answer: answer || {} };
      } catch (_) {
        result = { ok: false, answer: {} };
      }
      const answer = result.answer;
      if (answer.version) setVersion(answer.version);
      const settle = () => marks.forEach((mark, group) => { if (pending.get(group) === mark) pending.delete(group); });
      if (result.ok) {
        settle();
        show(answer.values, groups, false);
        if (state) state.textContent = answer.message === "Saved." ? "Saved" : answer.message;
        say("");
        if (answer.reload) window.location.reload();
      } else if (answer.stale) {
        // Someone else saved first: their values appear where this person changed nothing,
        // what this person typed stays, and the page says who changed what.
        show(answer.values, new Set(controls().map((el) => el.dataset.group)), false);
        say(answer.message, true);
        if (state) state.textContent = "Not saved yet";
      } else if (answer.values) {
        // Refused: the changed controls go back to what is stored, and the page says why.
        settle();
        show(answer.values, new Set(marks.keys()), true);
        say(answer.message, true);
        if (state) state.textContent = "Not saved";
      } else {
        say(answer.message || "Not saved: the server could not be reached. What you typed is kept; press Save to try again.", true);
        if (state) state.textContent = "Not saved";
      }
    }
    function queue(job) {
      itemSaves = itemSaves.then(job).catch(() => {});
      return itemSaves;
    }
    function flush() {
      return queue(async () => {
        const groups = new Set();
        const marks = new Map();
        pending.forEach((mark, group) => { if (ready(group)) { groups.add(group); marks.set(group, mark); } });
        if (!groups.size) return;
        const data = new URLSearchParams();
        data.append("_csrf", form.elements.namedItem("_csrf").value);
        data.append("version", version());
        controls().forEach((el) => {
          if (!groups.has(el.dataset.group) || (el.type === "checkbox" && !el.checked)) return;
          data.append(el.name, el.value);
        });
        await send(data, groups, marks);
      });
    }
    // Controls in the QC panel belong to the form by their `form` attribute, outside its
    // subtree, so changes are heard on the document.
    document.addEventListener("change", (event) => {
      const group = event.target.dataset && event.target.dataset.group;
      if (!group || !event.target.name || event.target.form !== form) return;
      pending.set(group, ++edits);
      if (group === "waiting" && !ready(group) && state) state.textContent = "Say what it waits for, and it is saved.";
      flush();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const submitter = event.submitter;
      queue(async () => {
        let data;
        try { data = new URLSearchParams(new FormData(form, submitter && submitter.name ? submitter : null)); }
        catch (_) { data = new URLSearchParams(new FormData(form)); if (submitter && submitter.name) data.append(submitter.name, submitter.value); }
        data.set("version", version());
        const marks = new Map(pending);
        await send(data, new Set(controls().map((el) => el.dataset.group)), marks);
      });
    });
  }

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
    const was = existing ? existing.parentElement.dataset.status : null;
    if (existing) existing.remove();
    if (!response.ok) { if (was) adjustCount(was, -1); return true; }
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const card = holder.firstElementChild;
    const list = board.querySelector('.cards[data-status="' + change.status + '"]');
    if (!card || !list) return true;
    // A card not shown before is new only at version 1 (an older one sat beyond a bounded column).
    if (was !== change.status && (was || change.version === 1)) { if (was) adjustCount(was, -1); adjustCount(change.status, 1); }
    if (list.closest(".column").classList.contains("folded")) return true;
    const after = list.dataset.order === "recent"
      ? list.firstElementChild
      : Array.from(list.querySelectorAll(".item-card")).find((c) => c.dataset.rank > card.dataset.rank);
    if (after) list.insertBefore(card, after); else list.appendChild(card);
    card.classList.add("live-updated");
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
    // A save of this page may still be answering: its new version settles first.
    if (current) await itemSaves;
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
