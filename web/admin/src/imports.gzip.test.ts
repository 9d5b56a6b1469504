// @vitest-environment node
// (jsdom's Blob has no stream(); Node's Blob, CompressionStream and Response are the browser's.)
import { describe, expect, it } from 'vitest';
import { gzip, uploadBody } from './imports';

describe('compressing a large file before it is sent', () => {
  it('gzips a large file (Content-Encoding: gzip) and sends a small one as it is', async () => {
    const small = new Blob(['name,phone\nAnn,0871234567\n']);
    const plain = await uploadBody(small, 'text/csv');
    expect(plain.body).toBe(small);
    expect(plain.headers).toEqual({ 'content-type': 'text/csv' });
    const rows = Array.from({ length: 60_000 }, (_, i) => `Client ${i},087 1${String(100000 + i)}`).join('\n');
    const large = new Blob([`name,phone\n${rows}\n`]);
    expect(large.size).toBeGreaterThan(1024 * 1024);
    const packed = await uploadBody(large, 'text/csv');
    expect(packed.headers).toEqual({ 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(packed.body.size).toBeLessThan(large.size / 3);
    const bytes = new Uint8Array(await packed.body.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const back = await new Response((await gzip(small)).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    expect(back).toBe('name,phone\nAnn,0871234567\n');
  });

});
