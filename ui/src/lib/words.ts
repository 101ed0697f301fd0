// Coded errors said in words for the monitoring views ("the server answered HTTP 500"); the
// code itself is shown beside them, so nothing is lost when the words are a simplification.
import type { IpcError } from "../ipc/api";

const WORDS: Record<string, string> = {
  "fetch.timeout": "the server did not answer in time",
  "fetch.connect": "could not connect to the server",
  "fetch.network": "the network failed on the way",
  "fetch.too_many_redirects": "the address redirects too many times",
  "fetch.bad_redirect": "the server redirected to an invalid address",
  "fetch.too_large": "the answer is larger than the size limit",
  "fetch.not_html": "the address is neither a feed nor a web page",
  "fetch.decode": "the server's text could not be decoded",
  "fetch.bad_url": "the address is not a valid web address",
  "fetch.scheme": "only http and https addresses can be followed",
  "feed.parse": "the feed could not be read",
  "feed.not_a_feed": "the address is not a feed",
  "feed.not_found": "no feed was found there",
  "extract.no_article": "no article was found on the page",
  "input.no_link": "the entry has no link to an article",
};

/** "the server answered HTTP 500" for an error; the message itself when no words fit. */
export function errorWords(e: IpcError | null | undefined): string {
  if (!e) return "";
  if (e.code === "fetch.http_status") {
    const status = /HTTP (\d{3})/.exec(e.message)?.[1];
    return status ? `the server answered HTTP ${status}` : e.message;
  }
  return WORDS[e.code] ?? e.message;
}

/** "the server answered HTTP 500 (fetch.http_status)". */
export function errorWithCode(e: IpcError | null | undefined): string {
  return e ? `${errorWords(e)} (${e.code})` : "";
}

/** "1 entry", "3 entries". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
