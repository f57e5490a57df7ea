// Text of a PDF as pdf.js (Firefox's viewer) extracts it, and what its find bar finds.
//
//   node benchmarks/pdfjs_text.mjs PDFJS_DIST FILE.pdf [QUERY ...]
//
// PDFJS_DIST is an installed npm `pdfjs-dist` (see benchmarks/extract.py). Prints one JSON object:
// {"pages": [text of each page], "finds": {QUERY: matches}}. Page text is the text-content items
// joined as the viewer's find controller joins them (a newline after an item that ends a line).
// The finds come from pdf.js's own PDFFindController, so the query and the text are normalised
// exactly as Firefox does (diacritics ignored, NFKC and its other rules); only the DOM it never
// uses here is stubbed.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [distArg, file, ...queries] = process.argv.slice(2);
const dist = pathToFileURL(path.resolve(distArg)).href;
globalThis.window = { requestAnimationFrame() {}, addEventListener() {} };
globalThis.document = { documentElement: { style: {} }, addEventListener() {}, createElement: () => ({ style: {} }) };
const pdfjsLib = await import(`${dist}/legacy/build/pdf.mjs`);
globalThis.pdfjsLib = pdfjsLib;
const viewer = await import(`${dist}/web/pdf_viewer.mjs`);

const data = new Uint8Array(fs.readFileSync(file));
const pdf = await pdfjsLib.getDocument({ data, verbosity: 0 }).promise;
const pages = [];
for (let number = 1; number <= pdf.numPages; number++) {
  const page = await pdf.getPage(number);
  const content = await page.getTextContent();
  pages.push(content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")).join(""));
}

async function find(query) {
  const eventBus = new viewer.EventBus();
  const linkService = { pagesCount: pdf.numPages, page: 1, rotation: 0 };
  const controller = new viewer.PDFFindController({ linkService, eventBus, updateMatchesCountOnProgress: false });
  controller.setDocument(pdf);
  const counted = new Promise((resolve) => eventBus._on("updatefindmatchescount", (event) => resolve(event.matchesCount.total)));
  eventBus.dispatch("find", { source: null, type: "", query, caseSensitive: false, entireWord: false,
                              highlightAll: true, findPrevious: false, matchDiacritics: false });
  return counted;
}

const finds = {};
for (const query of queries) finds[query] = await find(query);
process.stdout.write(JSON.stringify({ pages, finds }));
