// Streaming XML over saxes: tripinfo and route files reach hundreds of MB on city-scale runs, so
// they are never read into one string.

import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** Calls `onOpen` for every start tag (attributes as strings); resolves when the file is parsed. */
export type XmlAttrs = Partial<Record<string, string>>;

export function streamXml(file: string, onOpen: (name: string, attrs: XmlAttrs) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = new SaxesParser();
    let failed = false;
    parser.on('opentag', (tag: SaxesTagPlain) => onOpen(tag.name, tag.attributes as XmlAttrs));
    parser.on('error', (e) => {
      failed = true;
      stream.destroy();
      reject(new Error(`${file}: ${e.message}`));
    });
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    stream.on('data', (chunk) => {
      if (failed) return;
      try {
        parser.write(chunk as string);
      } catch (e) {
        failed = true;
        stream.destroy();
        reject(new Error(`${file}: ${(e as Error).message}`));
      }
    });
    stream.on('error', (e) => {
      if (!failed) reject(e);
    });
    stream.on('end', () => {
      if (failed) return;
      try {
        parser.close();
        resolve();
      } catch (e) {
        reject(new Error(`${file}: ${(e as Error).message}`));
      }
    });
  });
}
