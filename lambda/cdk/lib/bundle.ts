// The function's code with client mode's scripts: function.zip (from
// `make -C lambda package`) unpacked, and the scripts folder under sql/, as
// `make -C lambda package SQL=folder` lays them out (docs/lambda.md).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { ContextError } from './context';

/** The folder's files (dot files and dot folders left out), sorted, relative to it. */
export function scriptFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (name.startsWith('.')) continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.statSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) files.push(r);
    }
  };
  walk('');
  return files;
}

/**
 * A hash of the scripts: every file's path and content.  It changes when a
 * script is added, removed, renamed or edited, and only then.
 */
export function scriptsHash(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of scriptFiles(dir)) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Unpack a zip (stored or deflated entries, as zip(1) writes them) into dir, with its modes. */
export function unzip(zipFile: string, dir: string): string[] {
  const z = fs.readFileSync(zipFile);
  const eocd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new ContextError(`functionZip: ${zipFile} is not a zip file`);
  const count = z.readUInt16LE(eocd + 10);
  let p = z.readUInt32LE(eocd + 16);
  const names: string[] = [];

  for (let i = 0; i < count; i++) {
    if (z.readUInt32LE(p) !== 0x02014b50) throw new ContextError(`functionZip: ${zipFile} is damaged`);
    const method = z.readUInt16LE(p + 10);
    const size = z.readUInt32LE(p + 20);
    const nameLen = z.readUInt16LE(p + 28);
    const extraLen = z.readUInt16LE(p + 30);
    const commentLen = z.readUInt16LE(p + 32);
    const mode = z.readUInt32LE(p + 38) >>> 16;
    const local = z.readUInt32LE(p + 42);
    const name = z.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;

    const target = path.resolve(dir, name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) {
      throw new ContextError(`functionZip: ${zipFile} has an entry outside its folder: ${name}`);
    }
    names.push(name);
    if (name.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    const start = local + 30 + z.readUInt16LE(local + 26) + z.readUInt16LE(local + 28);
    const raw = z.subarray(start, start + size);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (method !== 0 && method !== 8) {
      throw new ContextError(`functionZip: ${name} is compressed in a way this app does not read (${method})`);
    }
    fs.writeFileSync(target, method === 8 ? zlib.inflateRawSync(raw) : raw);
    fs.chmodSync(target, (mode & 0o777) || 0o644);
  }
  return names;
}

/** functionZip unpacked into dir, the scripts folder copied to dir/sql. */
export function bundleFunction(functionZip: string, sqlDir: string, dir: string): void {
  const names = unzip(functionZip, dir);
  if (names.some((n) => n.startsWith('sql/'))) {
    throw new ContextError(`functionZip: ${functionZip} bundles scripts already (sql/, from make `
      + 'package SQL=...): build it without SQL=, or drop sqlDir');
  }
  for (const f of scriptFiles(sqlDir)) {
    const target = path.join(dir, 'sql', f);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(sqlDir, f), target);
    fs.chmodSync(target, 0o644);
  }
}
