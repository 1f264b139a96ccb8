// Keelson dashboard: live pages without a reload. The server says "the fleet changed" over server-sent events;
// the page then fetches itself and swaps the content of <main data-live>, unless the reader is typing in a form.
(() => {
    "use strict";
    const state = document.querySelector("[data-live-state]");
    const main = document.querySelector("main[data-live]");
    const localTimes = (root) => {
        for (const el of root.querySelectorAll("time[datetime]")) {
            const at = new Date(el.getAttribute("datetime"));
            if (!Number.isNaN(at.getTime())) {
                el.title = el.textContent;
                el.textContent = at.toLocaleString();
            }
        }
    };
    localTimes(document);
    if (!main || !window.EventSource || !window.fetch) {
        return;
    }

    let busy = false;
    let again = false;
    let last = 0;
    const show = (text) => { if (state) { state.textContent = text; } };
    const editing = () => {
        const active = document.activeElement;
        return active && main.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
    };

    const refresh = async () => {
        if (busy) { again = true; return; }
        const wait = 1000 - (Date.now() - last);
        if (wait > 0) { again = true; setTimeout(() => { if (again) { again = false; refresh(); } }, wait); return; }
        if (editing()) { show("The fleet changed; the page updates when you leave the form."); return; }
        busy = true;
        last = Date.now();
        try {
            const response = await fetch(location.href, { credentials: "same-origin" });
            if (response.redirected || !response.ok) {
                show("Live updates stopped: reload the page.");
                return;
            }
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            const fresh = page.querySelector("main[data-live]");
            if (fresh) {
                const open = [...main.querySelectorAll("details[open]")].map((d) => d.querySelector("summary")?.textContent);
                // The outcome of the action that led to this page is sent once; the fetched copy no longer has it.
                const flash = main.querySelector(":scope > p.flash");
                main.innerHTML = fresh.innerHTML;
                if (flash && !main.querySelector(":scope > p.flash")) { main.prepend(flash); }
                for (const d of main.querySelectorAll("details")) {
                    if (open.includes(d.querySelector("summary")?.textContent)) { d.open = true; }
                }
                localTimes(main);
                main.dispatchEvent(new CustomEvent("keelson:updated", { bubbles: true }));
            }
            show("Live · updated " + new Date().toLocaleTimeString());
        } catch {
            show("Live updates interrupted; retrying.");
        } finally {
            busy = false;
            if (again) { again = false; refresh(); }
        }
    };

    main.addEventListener("focusout", () => { setTimeout(() => { if (!editing() && state?.textContent.startsWith("The fleet changed")) { refresh(); } }, 0); });
    const events = new EventSource("/ui/live");
    events.addEventListener("hello", () => show("Live · watching for changes"));
    events.addEventListener("change", refresh);
    events.onerror = () => show("Live updates interrupted; reconnecting.");
})();
