/* The inbox at the keyboard, and its list kept current without a reload.

   j / k select the next / previous task, Enter or o opens it, c claims it, / goes to the search
   field, ? shows the list of keys (a modal dialog: focus stays inside, Esc closes it). The keys do
   nothing while the user types in a field or holds a modifier. The list (#inbox-live) is polled by
   htmx; this file sends the fingerprint of what is shown (the server answers 204 when nothing
   changed), skips polls while the page is hidden or the dialog is open, and keeps the selection and
   the focus across a refresh. After a claim the focus moves to the claimed task's link. */
(function () {
  "use strict";
  let selected = null;  // the selected task's id
  let claiming = null;  // the task a claim was sent for
  let refocus = null;   // what had the focus in the list before it was refreshed

  const live = () => document.getElementById("inbox-live");
  const help = () => document.getElementById("inbox-help");
  const ROW = "#inbox-live tbody tr[id^='task-']";
  const idOf = (row) => row.id.slice("task-".length);
  const rows = () => Array.from(document.querySelectorAll(ROW));
  const rowOf = (id) => rows().find((r) => idOf(r) === id) || null;

  function mark(row) {
    rows().forEach((r) => { r.classList.remove("selected"); r.removeAttribute("aria-current"); });
    if (row) { row.classList.add("selected"); row.setAttribute("aria-current", "true"); }
  }

  function select(row) {
    if (!row) return;
    selected = idOf(row);
    mark(row);
    const link = row.querySelector("a.task-link");
    if (link) link.focus();
  }

  function move(step) {
    const list = rows();
    if (!list.length) return;
    const at = list.indexOf(rowOf(selected));
    select(list[at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + step))]);
  }

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function openHelp() {
    const dialog = help();
    if (!dialog || dialog.open) return;
    dialog.returnTo = document.activeElement;
    dialog.showModal();
    dialog.querySelector("button").focus();
  }

  function trap(event) {  // Tab and Shift+Tab go round the dialog's own controls
    const dialog = help();
    const inside = Array.from(dialog.querySelectorAll("a[href], button, input, select, textarea"));
    if (event.key !== "Tab" || !inside.length) return;
    const first = inside[0], last = inside[inside.length - 1];
    if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
    else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
  }

  const KEYS = {
    j: () => move(1),
    k: () => move(-1),
    o: () => { const row = rowOf(selected); const link = row && row.querySelector("a.task-link"); if (link) link.click(); },
    c: () => { const row = rowOf(selected); const button = row && row.querySelector("button.claim"); if (button) button.click(); },
    "/": () => { const search = document.getElementById("header-search"); if (search) search.focus(); },
    "?": openHelp,
  };

  document.addEventListener("keydown", function (event) {
    const dialog = help();
    if (dialog && dialog.open) { trap(event); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    let key = event.key;
    if (key === "Enter") {  // on a link or a button Enter does what it always does
      if (event.target.closest("a, button") || !rowOf(selected)) return;
      key = "o";
    }
    const act = KEYS[key];
    if (!act) return;
    event.preventDefault();
    act();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest(".open-help")) openHelp();
    const row = event.target.closest(ROW);
    if (row) { selected = idOf(row); mark(row); }
  });

  document.addEventListener("close", function (event) {
    if (event.target === help() && help().returnTo) help().returnTo.focus();
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (elt === live()) {
      const dialog = help();
      if (document.hidden || (dialog && dialog.open) || claiming) event.preventDefault();
      return;
    }
    const row = elt.closest && elt.closest(ROW);
    if (row && elt.matches("form") && elt.querySelector("button.claim")) claiming = idOf(row);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt === live()) event.detail.headers["X-Inbox-Fingerprint"] = live().dataset.fingerprint || "";
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt !== live()) return;
    const focused = document.activeElement;
    const row = focused && focused.closest && focused.closest(ROW);
    refocus = row ? { task: idOf(row), cls: focused.classList[0] || "" } : null;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const fingerprint = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Inbox-Fingerprint");
    if (event.detail.elt === live() && fingerprint) live().dataset.fingerprint = fingerprint;
    if (event.detail.elt !== live() && !event.detail.successful) claiming = null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (claiming) {
      const row = document.getElementById("task-" + claiming);
      claiming = null;
      const lost = document.activeElement === document.body || live().contains(document.activeElement);
      if (row && row.querySelector("button.release") && lost) { select(row); return; }  // now held by me
    }
    mark(rowOf(selected));
    if (refocus) {
      const row = rowOf(refocus.task);
      const target = row && (row.querySelector("." + refocus.cls) || row.querySelector("a.task-link"));
      if (target) target.focus();
      refocus = null;
    }
  });
})();
