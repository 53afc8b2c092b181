// The Node contender of bench/run.sh: lists every sheet of a QRS site with
// the npm package qlik-repo-api, as its documentation shows, through a
// virtual proxy with header authentication, trusting one CA:
//
//   node list-sheets.mjs https://127.0.0.1:PORT/hdr ca.pem 'BENCH\u1' [header]
//
// It prints "sheets=N" on success, and the library's error on failure
// (exit status 1).
import fs from "node:fs";
import https from "node:https";
import { QlikRepoApi } from "qlik-repo-api";

const [siteURL, caFile, user, header = "hdr-usr"] = process.argv.slice(2);
if (!siteURL || !caFile || !user) {
  console.error("usage: node list-sheets.mjs URL CA.pem 'DIR\\user' [header]");
  process.exit(2);
}
const u = new URL(siteURL);
const prefix = u.pathname.replace(/^\/+|\/+$/g, "");

const api = new QlikRepoApi.client({
  host: u.hostname,
  port: Number(u.port) || 443,
  proxy: prefix,
  httpsAgent: new https.Agent({ ca: fs.readFileSync(caFile) }),
  authentication: { header, user },
});

try {
  const sheets = await api.appObjects.getFilter({ filter: "objectType eq 'sheet'" });
  let n = 0;
  for (const s of sheets) {
    if (s.details && s.details.objectType === "sheet") n++;
  }
  console.log(`sheets=${n}`);
} catch (e) {
  // qlik-rest-api rejects with an Error or a plain {status, message} object.
  const msg = e instanceof Error ? e.message : JSON.stringify(e);
  console.error(`list-sheets: ${msg}`);
  process.exit(1);
}
