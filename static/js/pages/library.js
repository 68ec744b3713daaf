// 文档管理: each unit's library and the district's. `#/library` opens the caller's first
// library, `#/library/:folder` a folder (with `?file=<id>` a file's panel: versions, restore,
// check-out, share to a room). Everything shown comes from the server's answer, which only
// holds what the caller may see and the rights they have (`level`).

import { ApiError, api, upload } from "../core/api.js";
import { append, h } from "../core/dom.js";
import { fileSize } from "../core/format.js";
import { fmt, gettext } from "../core/i18n.js";
import { icon } from "../core/icons.js";
import { registerCard } from "../shell/cards.js";
import { back, navigate, registerPage } from "../shell/router.js";
import { closeDialog, confirmDialog, errorText, openDialog, toast } from "../ui/dialogs.js";

const RANK = { view: 1, download: 2, edit: 3, manage: 4 };
const may = (level, needed) => (RANK[level] || 0) >= RANK[needed];

export function levelLabel(level) {
  return {
    view: gettext("View"), download: gettext("Download"), edit: gettext("Edit"), manage: gettext("Manage"),
  }[level] || level;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const who = (person) => (person ? person.display_name || person.username : "");

export function folderHash(folderId, fileId) {
  return `#/library/${folderId}${fileId ? `?file=${fileId}` : ""}`;
}

const go = (folderId, fileId) => navigate(`library/${folderId}`, { query: fileId ? { file: fileId } : {} });

// Pick a local file and upload it through POST /attachments (the attachment limits apply).
function pickAndUpload(onDone, status) {
  const input = h("input", { type: "file", class: "visually-hidden", "data-testid": "library-file-input" });
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.remove();
    if (!file) return;
    status.textContent = fmt(gettext("Uploading %(name)s…"), { name: file.name });
    try {
      const attachment = await upload(file, (f) => {
        status.textContent = fmt(gettext("Uploading %(name)s… (%(pct)s)"), { name: file.name, pct: `${Math.round(f * 100)}%` });
      }).promise;
      status.textContent = "";
      await onDone(attachment);
    } catch (error) {
      status.textContent = "";
      toast(errorText(error), "error");
    }
  });
  document.body.append(input);
  input.click();
}

function mount(el, params, query) {
  let alive = true;
  const status = h("div", { class: "lib-status", role: "status", "aria-live": "polite" });
  const side = h("nav", { class: "lib-side", "aria-label": gettext("Libraries") });
  const main = h("div", { class: "lib-main" });
  const panel = h("aside", { class: "lib-file", hidden: true, "aria-label": gettext("File") });
  const sub = h("p", {});
  el.setAttribute("aria-labelledby", "library-title");
  el.replaceChildren(h("div", { class: "doc-page-inner lib-inner" },
    h("header", { class: "doc-page-head" },
      h("button", { type: "button", class: "icon-btn doc-back", "aria-label": gettext("Back"), onclick: back }, icon("back", 22)),
      h("div", { class: "doc-page-heading" }, h("h1", { id: "library-title", tabindex: "-1" }, gettext("Library")), sub)),
    h("div", { class: "lib-layout" }, side, h("div", { class: "lib-body" }, status, main), panel)));
  let shownFolder = null;

  async function load() {
    const index = await api("GET", "/library");
    if (!alive) return;
    renderSide(index);
    let folderId = params.folderId ? Number(params.folderId) : null;
    if (!folderId && query.file) {
      // `#/library?file=<id>` (a search result, a shared file): the file's own folder, when
      // the caller may see it; a file shared with them alone opens without one.
      folderId = await folderOf(query.file);
    }
    if (!folderId) {
      const first = index.libraries[0] || index.folders[0];
      if (!first && index.shared.length === 0) {
        main.replaceChildren(h("p", { class: "lib-empty" }, gettext("You have no library yet.")));
        return;
      }
      folderId = first ? first.root || first.id : null;
    }
    if (folderId) await showFolder(folderId, { quiet: Boolean(query.file) });
    await openFile(query.file);
  }

  async function folderOf(fileId) {
    try {
      return (await api("GET", `/library/files/${Number(fileId)}`)).folder;
    } catch {
      return null;
    }
  }

  async function openFile(fileId) {
    el.classList.toggle("lib-has-file", Boolean(fileId));
    if (fileId) await showFile(Number(fileId));
    else {
      panel.hidden = true;
      panel.replaceChildren();
    }
  }

  // The same page at a new address: another folder, or a file's panel opened or closed.
  async function update(newParams, newQuery) {
    params = newParams;
    query = newQuery;
    let folderId = newParams.folderId ? Number(newParams.folderId) : null;
    if (!folderId && newQuery.file) folderId = await folderOf(newQuery.file);
    if (!alive) return;
    if (folderId && folderId !== shownFolder) await showFolder(folderId, { quiet: Boolean(newQuery.file) });
    markSide();
    await openFile(newQuery.file);
  }

  function renderSide(index) {
    const items = [];
    for (const lib of index.libraries) {
      items.push(h("a", {
        class: "lib-lib", href: folderHash(lib.root), "data-library": lib.library, "data-root": lib.root,
      }, icon("box", 16), h("span", {}, lib.name)));
    }
    if (index.folders.length) {
      items.push(h("div", { class: "lib-side-head" }, gettext("Opened to me")));
      for (const f of index.folders) {
        items.push(h("a", { class: "lib-lib", href: folderHash(f.id) }, icon("box", 16),
          h("span", {}, `${f.library_name} · ${f.name}`)));
      }
    }
    if (index.shared.length) {
      items.push(h("div", { class: "lib-side-head" }, gettext("Shared with me")));
      for (const f of index.shared) {
        items.push(h("a", { class: "lib-lib", href: `#/library?file=${f.id}` }, icon("file", 16), h("span", {}, f.name)));
      }
    }
    side.replaceChildren(h("h2", { class: "lib-side-title" }, gettext("Libraries")), ...items);
    markSide();
  }

  function markSide() {
    const root = Number(side.dataset.root || -1);
    for (const a of side.querySelectorAll("[data-root]")) {
      const on = Number(a.dataset.root) === root;
      a.classList.toggle("active", on);
      if (on) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  // `quiet`: the folder of a file opened by its id alone, which a reader of a shared file
  // may not see; the file's panel then stands alone.
  async function showFolder(id, { quiet = false } = {}) {
    let folder;
    try {
      folder = await api("GET", `/library/folders/${id}`);
    } catch (error) {
      if (!alive) return;
      shownFolder = null;
      main.replaceChildren(h("p", { class: "lib-empty" }, quiet && error instanceof ApiError && error.status === 404
        ? gettext("The folder of this file is not open to you.") : errorText(error)));
      return;
    }
    if (!alive) return;
    shownFolder = folder.id;
    side.dataset.root = folder.path[0].id;
    markSide();
    sub.textContent = folder.library_name;
    const crumbs = folder.path.map((p, i) => (i === folder.path.length - 1
      ? h("span", { class: "lib-crumb current", "aria-current": "page" }, p.name)
      : [h("a", { class: "lib-crumb", href: folderHash(p.id) }, p.name), h("span", { class: "lib-sep", "aria-hidden": "true" }, "/")]));
    const tools = [];
    if (may(folder.level, "edit")) {
      tools.push(h("button", { type: "button", class: "btn btn-default", "data-testid": "library-new-folder", onclick: () => newFolder(folder) },
        icon("plus", 16), gettext("New folder")));
      tools.push(h("button", { type: "button", class: "btn btn-primary", "data-testid": "library-upload", onclick: () => pickAndUpload(async (a) => {
        await api("POST", `/library/folders/${folder.id}/files`, { attachment: a.id });
        toast(fmt(gettext("%(name)s uploaded"), { name: a.name }));
        await showFolder(folder.id);
      }, status) }, icon("clip", 16), gettext("Upload file")));
    }
    if (may(folder.level, "manage")) {
      tools.push(h("button", { type: "button", class: "btn btn-default", onclick: () => grantsDialog(folder) }, icon("users", 16), gettext("Permissions")));
      tools.push(h("button", { type: "button", class: "btn btn-default", onclick: () => binDialog(folder) }, icon("trash", 16), gettext("Recycle bin")));
    }
    const rows = [
      ...folder.folders.map((f) => h("li", { class: "lib-row lib-folder" },
        h("a", { href: folderHash(f.id), class: "lib-name" }, icon("box", 18), h("span", {}, f.name)))),
      ...folder.files.map((f) => h("li", { class: "lib-row lib-filerow", "data-file": f.id },
        h("a", { href: folderHash(folder.id, f.id), class: "lib-name", "aria-current": Number(query.file) === f.id ? "true" : null }, icon("file", 18), h("span", {}, f.name)),
        h("span", { class: "lib-meta" }, fmt(gettext("v%(n)s"), { n: f.version })),
        h("span", { class: "lib-meta lib-size" }, fileSize(f.size)),
        h("span", { class: "lib-meta lib-by" }, `${who(f.by)} ${when(f.updated_at)}`))),
    ];
    main.replaceChildren(); // append(), not replaceChildren(), skips the nulls (it would write "null")
    append(main, [
      h("header", { class: "lib-head" },
        h("nav", { class: "lib-crumbs", "aria-label": gettext("Folder path") }, crumbs),
        h("span", { class: "lib-level" }, fmt(gettext("Your right: %(level)s"), { level: levelLabel(folder.level) }))),
      tools.length ? h("div", { class: "lib-tools" }, tools) : null,
      rows.length ? h("ul", { class: "lib-list", "data-testid": "library-list" }, rows)
        : h("p", { class: "lib-empty" }, gettext("This folder is empty.")),
    ]);
  }

  function newFolder(folder) {
    const input = h("input", { type: "text", class: "input", maxlength: 200, autofocus: true, "aria-label": gettext("Folder name") });
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = async () => {
      try {
        const made = await api("POST", "/library/folders", { library: folder.library, parent: folder.id, name: input.value });
        closeDialog();
        go(made.id);
      } catch (e) {
        error.textContent = errorText(e);
      }
    };
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") submit(); });
    openDialog({
      title: gettext("New folder"),
      body: h("div", { class: "form" }, h("label", {}, gettext("Folder name"), input), error),
      footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")),
        h("button", { type: "button", class: "btn btn-primary", onclick: submit }, gettext("Create"))],
    });
  }

  async function showFile(id) {
    let file;
    try {
      file = await api("GET", `/library/files/${id}`);
    } catch (error) {
      panel.hidden = false;
      panel.replaceChildren(h("p", { class: "lib-empty", role: "alert" }, errorText(error)));
      return;
    }
    if (!alive) return;
    panel.hidden = false;
    if (file.read_required) api("POST", `/library/files/${file.id}/read`).catch(() => {});
    const canEdit = may(file.level, "edit");
    const reload = () => showFile(id).then(() => showFolder(file.folder));
    const act = async (fn) => {
      try {
        await fn();
        await reload();
      } catch (error) {
        toast(errorText(error), "error");
        if (error instanceof ApiError && error.status === 409) await reload();
      }
    };
    const buttons = [];
    if (may(file.level, "download")) {
      buttons.push(h("a", { class: "btn btn-default", href: `/api/v1/library/files/${file.id}/versions/${file.version}/download`, download: file.name },
        icon("download", 16), gettext("Download")));
    }
    if (canEdit) {
      buttons.push(h("button", { type: "button", class: "btn btn-primary", "data-testid": "library-new-version", onclick: () => pickAndUpload(
        (a) => act(() => api("POST", `/library/files/${file.id}/versions`, { attachment: a.id, base_version: file.version })), status) },
      gettext("Upload new version")));
      if (!file.locked_by) {
        buttons.push(h("button", { type: "button", class: "btn btn-default", onclick: () => act(() => api("POST", `/library/files/${file.id}/lock`)) }, gettext("Check out")));
      } else {
        buttons.push(h("button", { type: "button", class: "btn btn-default", onclick: () => act(() => api("DELETE", `/library/files/${file.id}/lock`)) }, gettext("Check in")));
      }
    }
    if (may(file.level, "manage")) {
      buttons.push(h("button", { type: "button", class: "btn btn-default", "data-testid": "library-share", onclick: () => shareDialog(file) }, icon("reply", 16), gettext("Share to a chat")));
    }
    if (canEdit) {
      buttons.push(h("button", { type: "button", class: "btn btn-danger", onclick: async () => {
        const ok = await confirmDialog({ title: gettext("Move to recycle bin"), text: fmt(gettext("Move %(name)s to the recycle bin? It can be restored within 30 days."), { name: file.name }), confirm: gettext("Move to recycle bin"), danger: true });
        if (!ok) return;
        try {
          await api("DELETE", `/library/files/${file.id}`);
          go(file.folder);
        } catch (error) {
          toast(errorText(error), "error");
        }
      } }, icon("trash", 16), gettext("Delete")));
    }
    const versions = [...file.versions].reverse().map((v) => h("li", { class: "lib-version", "data-version": v.version },
      h("div", { class: "lib-version-head" },
        h("strong", {}, fmt(gettext("Version %(n)s"), { n: v.version })),
        v.version === file.version ? h("span", { class: "badge" }, gettext("Current")) : null,
        v.restored_from ? h("span", { class: "lib-meta" }, fmt(gettext("restored from version %(n)s"), { n: v.restored_from })) : null),
      h("div", { class: "lib-meta" }, `${who(v.by)} · ${when(v.at)} · ${fileSize(v.size)}`),
      v.comment ? h("div", { class: "lib-comment" }, v.comment) : null,
      h("div", { class: "lib-version-actions" },
        may(file.level, "download") ? h("a", { class: "link", href: `/api/v1/library/files/${file.id}/versions/${v.version}/download` }, gettext("Download")) : null,
        canEdit && v.version !== file.version ? h("button", { type: "button", class: "link", "data-testid": `library-restore-${v.version}`, onclick: async () => {
          const ok = await confirmDialog({ title: gettext("Restore version"), text: fmt(gettext("Save version %(n)s again as the newest version? No version is lost."), { n: v.version }), confirm: gettext("Restore") });
          if (ok) act(() => api("POST", `/library/files/${file.id}/restore`, { version: v.version, base_version: file.version }));
        } }, gettext("Restore")) : null)));
    const preview = h("div", { class: "lib-preview" });
    panel.replaceChildren();
    append(panel, [
      h("header", { class: "lib-file-head" },
        h("h3", { class: "lib-file-title" }, icon("file", 18), h("span", {}, file.name)),
        h("a", { class: "icon-btn", href: folderHash(file.folder), "aria-label": gettext("Close") }, icon("x", 18))),
      h("div", { class: "lib-meta" }, fmt(gettext("Version %(n)s · %(size)s"), { n: file.version, size: fileSize(file.size) })),
      file.locked_by ? h("div", { class: "lib-lock" }, fmt(gettext("Checked out by %(name)s"), { name: who(file.locked_by) })) : null,
      h("div", { class: "lib-file-tools" }, buttons),
      preview,
      h("h4", {}, gettext("Versions")),
      h("ol", { class: "lib-versions", "data-testid": "library-versions" }, versions),
      may(file.level, "manage") ? h("label", { class: "lib-check" },
        h("input", { type: "checkbox", checked: file.read_required, onchange: (e) => act(() => api("PATCH", `/library/files/${file.id}`, { read_required: e.target.checked })) }),
        gettext("Requires reading (keep who read it)")) : null,
      file.readers ? h("div", { class: "lib-shares" }, h("h4", {}, fmt(gettext("Read by %(n)s"), { n: file.readers.length })),
        h("ul", {}, file.readers.map((r) => h("li", {}, who(r.user), " · ", fmt(gettext("v%(n)s"), { n: r.version }), " · ", when(r.at))))) : null,
      file.shares && file.shares.length ? h("div", { class: "lib-shares" }, h("h4", {}, gettext("Shared to")),
        h("ul", {}, file.shares.map((s) => h("li", {}, s.room ? s.room.name : who(s.user), " · ", who(s.by), " ", when(s.at))))) : null,
    ]);
    loadPreview(file, preview);
  }

  async function loadPreview(file, box) {
    try {
      const shown = await api("GET", `/library/files/${file.id}/versions/${file.version}/preview`);
      if (shown.kind === "text") box.replaceChildren(h("pre", { class: "lib-text" }, shown.text));
      else if (shown.kind === "image") box.replaceChildren(h("img", { src: shown.url, alt: file.name }));
      else if (shown.kind === "pdf") box.replaceChildren(h("iframe", { src: shown.url, title: file.name, class: "lib-pdf" }));
      else if (shown.kind === "html") {
        // Sanitized by the server with the messages' allow-list.
        const div = h("div", { class: "lib-html" });
        div.innerHTML = shown.html;
        box.replaceChildren(div);
      } else box.replaceChildren(h("p", { class: "lib-meta" }, shown.reason || ""));
    } catch {
      box.replaceChildren();
    }
  }

  async function shareDialog(file) {
    let rooms;
    try {
      rooms = await api("GET", "/rooms");
    } catch (error) {
      toast(errorText(error), "error");
      return;
    }
    const select = h("select", { class: "input", "data-testid": "library-share-room" },
      rooms.filter((r) => r.kind !== "bot").map((r) => h("option", { value: r.id }, r.name || `#${r.id}`)));
    const comment = h("input", { type: "text", class: "input", maxlength: 500 });
    const error = h("p", { class: "form-error", role: "alert" });
    openDialog({
      title: fmt(gettext("Share %(name)s"), { name: file.name }),
      body: h("div", { class: "form" },
        h("label", {}, gettext("Chat"), select),
        h("label", {}, gettext("Note (optional)"), comment),
        h("p", { class: "lib-meta" }, gettext("Members of the chat may then view and download this file. The card follows the latest version."))
        , error),
      footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")),
        h("button", { type: "button", class: "btn btn-primary", "data-testid": "library-share-confirm", onclick: async () => {
          try {
            await api("POST", `/library/files/${file.id}/share`, { room: Number(select.value), comment: comment.value });
            closeDialog();
            toast(gettext("Shared to the chat"));
            await showFile(file.id);
          } catch (e) {
            error.textContent = errorText(e);
          }
        } }, gettext("Share"))],
    });
  }

  async function grantsDialog(folder) {
    const rows = h("div", { class: "lib-grants" });
    const grants = (folder.grants || []).map((g) => ({
      who: g.user ? g.user.username : g.unit.code, kind: g.user ? "user" : "unit", role: g.role || "", level: g.level,
    }));
    const draw = () => rows.replaceChildren(...grants.map((g, i) => h("div", { class: "lib-grant" },
      h("select", { class: "input", onchange: (e) => { g.kind = e.target.value; } },
        h("option", { value: "unit", selected: g.kind === "unit" }, gettext("Unit code")),
        h("option", { value: "user", selected: g.kind === "user" }, gettext("Username"))),
      h("input", { class: "input", value: g.who, oninput: (e) => { g.who = e.target.value; }, "aria-label": gettext("Unit code or username") }),
      h("select", { class: "input", onchange: (e) => { g.level = e.target.value; } },
        ["view", "download", "edit", "manage"].map((l) => h("option", { value: l, selected: g.level === l }, levelLabel(l)))),
      h("button", { type: "button", class: "icon-btn", "aria-label": gettext("Remove"), onclick: () => { grants.splice(i, 1); draw(); } }, icon("x", 16)))));
    draw();
    const error = h("p", { class: "form-error", role: "alert" });
    openDialog({
      title: fmt(gettext("Permissions of %(name)s"), { name: folder.name }),
      body: h("div", { class: "form" },
        h("p", { class: "lib-meta" }, gettext("Members of the library's unit view and download it, its clerks and admins manage it. Grants here add rights to this folder and everything in it.")),
        rows,
        h("button", { type: "button", class: "btn btn-default btn-sm", onclick: () => { grants.push({ who: "", kind: "unit", role: "", level: "view" }); draw(); } }, icon("plus", 16), gettext("Add")),
        error),
      footer: [h("button", { type: "button", class: "btn btn-default", onclick: closeDialog }, gettext("Cancel")),
        h("button", { type: "button", class: "btn btn-primary", onclick: async () => {
          try {
            await api("PUT", `/library/folders/${folder.id}/grants`, {
              grants: grants.filter((g) => g.who.trim()).map((g) => ({ [g.kind]: g.who.trim(), level: g.level, ...(g.role ? { role: g.role } : {}) })),
            });
            closeDialog();
            toast(gettext("Permissions saved"));
          } catch (e) {
            error.textContent = errorText(e);
          }
        } }, gettext("Save"))],
    });
  }

  async function binDialog(folder) {
    let bin;
    try {
      bin = await api("GET", `/library/${folder.library}/bin`);
    } catch (error) {
      toast(errorText(error), "error");
      return;
    }
    const list = bin.files.length ? h("ul", { class: "lib-list" }, bin.files.map((f) => h("li", { class: "lib-row" },
      h("span", { class: "lib-name" }, icon("file", 16), h("span", {}, f.name)),
      h("span", { class: "lib-meta" }, fmt(gettext("deleted by %(name)s %(at)s, purged %(purge)s"), { name: who(f.deleted_by), at: when(f.deleted_at), purge: when(f.purge_at) })),
      h("button", { type: "button", class: "link", onclick: async () => {
        try {
          await api("POST", `/library/files/${f.id}/undelete`);
          closeDialog();
          go(f.folder.id, f.id);
        } catch (e) {
          toast(errorText(e), "error");
        }
      } }, gettext("Restore")))))
      : h("p", { class: "lib-empty" }, gettext("The recycle bin is empty."));
    openDialog({ title: gettext("Recycle bin"), body: list, wide: true });
  }

  load().catch((error) => {
    main.replaceChildren(h("p", { class: "lib-empty", role: "alert" }, errorText(error)));
  });
  view = { update };
  return () => {
    alive = false;
    view = null;
  };
}

let view = null;

registerPage({
  name: "library",
  path: ["library", "library/:folderId"],
  className: "library-page",
  title: () => gettext("Library"),
  sidebar: { label: () => gettext("Library"), icon: "box", order: 58, id: "library-link" },
  mount,
  update(params, query) {
    if (view) view.update(params, query);
  },
});

// A file shared into a chat: the chat draws its title and fields; this adds the way in.
registerCard("library_file", {
  label: () => gettext("Library file"),
  extras: (card) => (card.state === "deleted" ? null
    : h("a", { class: "btn btn-default btn-sm lib-card-open", href: folderHash(card.folder, card.ref) },
      icon("file", 16), gettext("Open in library"))),
});
