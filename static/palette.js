// OPS Desktop: the command palette (Ctrl/Cmd-K). Jump to an item (by its words or its key), a
// person's work, a tag or a page; on an item page, run its common actions, which go through
// the page's own autosave (they set the form's controls and announce the change). Keyboard
// first: arrows move, Enter runs, Esc closes, Tab stays inside.
"use strict";

(function () {
  if (!document.body.hasAttribute("data-user-id")) return;
  const me = document.body.dataset.userId;
  const form = document.querySelector("form[data-item-form]");

  // ---- The dialog, built once ----------------------------------------------------------
  const backdrop = document.createElement("div");
  backdrop.className = "palette-backdrop";
  backdrop.hidden = true;
  const dialog = document.createElement("div");
  dialog.className = "palette";
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-label", "Command palette");
  const input = document.createElement("input");
  input.type = "text";
  input.className = "palette-input";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "true");
  input.setAttribute("aria-controls", "palette-list");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("autocomplete", "off");
  input.setAttribute("spellcheck", "false");
  const hint = document.createElement("p");
  hint.className = "palette-hint";
  const list = document.createElement("ul");
  list.id = "palette-list";
  list.className = "palette-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Results");
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  dialog.append(input, hint, list, status);
  backdrop.appendChild(dialog);
  document.body.appendChild(backdrop);

  let returnFocus = null;
  let mode = null; // { placeholder, hint, entries(q) or prompt(text) }
  let entries = [];
  let active = 0;
  let remote = { items: [], people: [], tags: [] };
  let asked = 0;

  // ---- What it offers ----------------------------------------------------------------------
  function go(url) { return () => { window.location.href = url; }; }
  function pages() {
    const seen = new Set();
    const found = [{ label: "New item", detail: "Page", run: go("/work/new") }];
    document.querySelectorAll(".mainnav a[href], .sidebar-foot a[href]").forEach((link) => {
      const href = link.getAttribute("href");
      const label = href === "/profile" ? "Profile" : (link.querySelector(".nav-label") || link).textContent.trim();
      if (!label || seen.has(label)) return;
      seen.add(label);
      found.push({ label, detail: "Page", run: go(href) });
    });
    found.push({ label: "Keyboard shortcuts", detail: "Help", keys: "?", run: showShortcuts });
    return found;
  }
  function options(name) {
    const select = form && form.elements.namedItem(name);
    return select ? Array.from(select.options).map((o) => ({ value: o.value, label: o.textContent.trim() })) : [];
  }
  function change(name, value, also) {
    const control = form.elements.namedItem(name);
    if (also) Object.entries(also).forEach(([other, v]) => { form.elements.namedItem(other).value = v; });
    control.value = value;
    control.dispatchEvent(new Event("change", { bubbles: true }));
    control.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function choose(title, name, apply) {
    return () => open({
      placeholder: title,
      hint: "Pick one and press Enter. Esc goes back.",
      entries: () => options(name).map((o) => ({ label: o.label, run: () => { apply(o.value, o.label); close(); } })),
    });
  }
  function dueFrom(text) {
    const t = text.trim().toLowerCase();
    const day = new Date();
    if (t === "today") { /* today */ } else if (t === "tomorrow") day.setDate(day.getDate() + 1);
    else if (/^\+\d{1,3}$/.test(t)) day.setDate(day.getDate() + Number(t.slice(1)));
    else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
    else return null;
    const pad = (n) => String(n).padStart(2, "0");
    return day.getFullYear() + "-" + pad(day.getMonth() + 1) + "-" + pad(day.getDate());
  }
  function actions() {
    if (!form) return [];
    const found = [
      { label: "Set status…", detail: "Action", run: choose("Status", "status", (v) => change("status", v)) },
      { label: "Set owner…", detail: "Action", run: choose("Owner", "owner_id", (v) => change("owner_id", v)) },
      { label: "Assign to me", detail: "Action", run: () => { change("owner_id", me); close(); } },
      { label: "Set due date…", detail: "Action", run: () => open({
        placeholder: "Due: 2026-12-08, today, tomorrow or +3",
        hint: "Type a date and press Enter. Esc goes back.",
        prompt: (text) => {
          const day = dueFrom(text);
          if (!day) return "Type a date as 2026-12-08, today, tomorrow or +3.";
          const due = form.elements.namedItem("due_at");
          const time = due.value.includes("T") ? due.value.split("T")[1] : "17:00";
          change("due_at", day + "T" + time);
          close();
          return null;
        },
      }) },
    ];
    if (form.elements.namedItem("waiting_on_user_id")) {
      found.push({ label: "Waiting on…", detail: "Action", run: choose("Waiting on", "waiting_on_user_id", (who, name) => {
        if (!who) { change("waiting_on_user_id", "", { waiting_reason: "" }); return; }
        setTimeout(() => open({
          placeholder: "What is " + name + " to do?",
          hint: "Say what it waits for and press Enter.",
          prompt: (text) => {
            if (!text.trim()) return "Say what it waits for.";
            change("waiting_on_user_id", who, { waiting_reason: text.trim() });
            close();
            return null;
          },
        }), 0);
      }) });
    }
    return found;
  }
  function rootEntries(q) {
    const words = q.toLowerCase();
    const local = actions().concat(pages()).filter((e) => e.label.toLowerCase().includes(words));
    const items = remote.items.map((i) => ({ label: i.key + "  " + i.title, detail: i.statusLabel, run: go("/work/" + i.key) }));
    const people = remote.people.map((p) => ({ label: p.name, detail: "Person · their work", run: go("/work?owner=" + p.id) }));
    const tags = remote.tags.map((t) => ({ label: "#" + t, detail: "Tag", run: go("/work?tag=" + encodeURIComponent(t)) }));
    return form ? local.concat(items, people, tags) : items.concat(local, people, tags);
  }
  const root = { placeholder: "Jump to an item, person, tag or page…", hint: "", entries: rootEntries };

  // ---- Drawing and moving ------------------------------------------------------------------
  function draw() {
    const q = input.value;
    entries = mode.prompt ? [] : mode.entries(q).filter((e) => mode === root || e.label.toLowerCase().includes(q.toLowerCase()));
    if (active >= entries.length) active = Math.max(0, entries.length - 1);
    list.replaceChildren(...entries.map((entry, index) => {
      const option = document.createElement("li");
      option.id = "palette-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === active ? "true" : "false");
      const label = document.createElement("span");
      label.className = "palette-label";
      label.textContent = entry.label;
      option.appendChild(label);
      if (entry.detail) {
        const detail = document.createElement("span");
        detail.className = "palette-detail";
        detail.textContent = entry.detail;
        option.appendChild(detail);
      }
      option.addEventListener("mousedown", (event) => { event.preventDefault(); active = index; run(); });
      return option;
    }));
    list.hidden = entries.length === 0;
    if (entries.length) input.setAttribute("aria-activedescendant", "palette-option-" + active);
    else input.removeAttribute("aria-activedescendant");
    status.textContent = mode.prompt ? "" : entries.length + (entries.length === 1 ? " result" : " results");
    const chosen = list.children[active];
    if (chosen) chosen.scrollIntoView({ block: "nearest" });
  }
  async function ask() {
    const q = input.value.trim();
    const mine = ++asked;
    try {
      const response = await fetch("/api/palette?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      remote = (await response.json()).data;
      if (mode === root) draw();
    } catch (_) { /* offline: local entries still work */ }
  }
  let timer = 0;
  input.addEventListener("input", () => {
    active = 0;
    hint.textContent = mode.hint;
    draw();
    if (mode === root) { clearTimeout(timer); timer = setTimeout(ask, 120); }
  });
  function run() {
    if (mode.prompt) {
      const problem = mode.prompt(input.value);
      if (problem) hint.textContent = problem;
      return;
    }
    const entry = entries[active];
    if (entry) entry.run();
  }
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (entries.length) active = (active + (event.key === "ArrowDown" ? 1 : entries.length - 1)) % entries.length;
      draw();
      event.preventDefault();
    } else if (event.key === "Enter") { run(); event.preventDefault(); }
    else if (event.key === "Escape") { if (mode === root) close(); else open(root); event.preventDefault(); event.stopPropagation(); }
    else if (event.key === "Tab") event.preventDefault(); // The one control: focus stays here.
  });
  backdrop.addEventListener("mousedown", (event) => { if (event.target === backdrop) close(); });

  function open(next) {
    mode = next;
    if (backdrop.hidden) returnFocus = document.activeElement;
    backdrop.hidden = false;
    document.body.classList.add("palette-open");
    input.value = "";
    input.placeholder = mode.placeholder;
    input.setAttribute("aria-label", mode.placeholder);
    hint.textContent = mode.hint;
    hint.hidden = !mode.hint;
    active = 0;
    draw();
    input.focus();
    if (mode === root) ask();
  }
  function close() {
    backdrop.hidden = true;
    document.body.classList.remove("palette-open");
    mode = null;
    if (returnFocus && returnFocus.focus) returnFocus.focus();
  }
  function showShortcuts() {
    close();
    const shortcuts = document.getElementById("shortcuts");
    if (shortcuts) { shortcuts.hidden = false; shortcuts.querySelector("button").focus(); }
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (backdrop.hidden) open(root); else close();
    }
  });
  document.querySelectorAll("[data-open-palette]").forEach((button) => {
    button.addEventListener("click", () => open(root));
  });
})();
