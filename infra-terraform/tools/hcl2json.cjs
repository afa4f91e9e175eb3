// Every .tf file under the directory given => { "<path>": <its HCL as JSON> }, on stdout.
const { parse } = require('@cdktf/hcl2json');
const fs = require('fs');
const path = require('path');

function tfFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : tfFiles(p);
    return e.name.endsWith('.tf') ? [p] : [];
  });
}

(async () => {
  const out = {};
  for (const file of tfFiles(process.argv[2]).sort()) {
    out[file] = await parse(file, fs.readFileSync(file, 'utf8'));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
