// A second line of defence for article HTML shown in the reader. The core already sanitized it
// with a closed list of tags and attributes before storing it, and the window's CSP forbids inline
// and remote scripts; this keeps only the same closed list again, so even a library file written
// by something else cannot put an event handler or a script URL in front of the user.
//
// Images come from the library only: an image's source must be exactly
// `clipdesk-img://localhost/<sha256>` (served by the app); any other source is dropped, so the
// reader asks the web for nothing (the CSP would refuse it too).

const TAGS = new Set([
  "A", "ABBR", "B", "BLOCKQUOTE", "BR", "CAPTION", "CITE", "CODE", "DD", "DEL", "DFN", "DIV", "DL", "DT", "EM",
  "FIGCAPTION", "FIGURE", "H1", "H2", "H3", "H4", "H5", "H6", "HR", "I", "IMG", "INS", "KBD", "LI", "MARK", "OL",
  "P", "PRE", "Q", "S", "SAMP", "SMALL", "SPAN", "STRONG", "SUB", "SUP", "TABLE", "TBODY", "TD", "TFOOT", "TH",
  "THEAD", "TIME", "TR", "U", "UL", "BDI", "BDO",
]);
const ATTRS = new Set(["href", "src", "alt", "title", "lang", "dir", "width", "height", "colspan", "rowspan", "scope", "datetime", "cite"]);

/** An image kept in the library, in the exact form the core writes. */
export const LIBRARY_IMAGE = /^clipdesk-img:\/\/localhost\/[0-9a-f]{64}$/;

function safeUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:";
  } catch {
    return false;
  }
}

/** Returns a document fragment of the article, with anything outside the allowed list removed. */
export function articleFragment(html: string): DocumentFragment {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const walk = (node: Element) => {
    for (const child of Array.from(node.children)) {
      if (!TAGS.has(child.tagName)) {
        child.remove();
        continue;
      }
      for (const attr of Array.from(child.attributes)) {
        const name = attr.name.toLowerCase();
        const bad =
          !ATTRS.has(name) ||
          (name === "src" && !(child.tagName === "IMG" && LIBRARY_IMAGE.test(attr.value))) ||
          ((name === "href" || name === "cite") && !safeUrl(attr.value));
        if (bad) child.removeAttribute(attr.name);
      }
      if (child.tagName === "A") child.setAttribute("rel", "noopener noreferrer");
      if (child.tagName === "IMG") {
        child.setAttribute("loading", "lazy");
        child.setAttribute("referrerpolicy", "no-referrer");
      }
      walk(child);
    }
  };
  walk(doc.body);
  const fragment = document.createDocumentFragment();
  for (const child of Array.from(doc.body.childNodes)) fragment.append(document.importNode(child, true));
  return fragment;
}
