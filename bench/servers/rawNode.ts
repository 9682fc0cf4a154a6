// Comparison: the practical limit. node:http, the body read by hand, one JSON.parse, a small reply.
// BUSY_US adds that much CPU work to each request: the same server made as costly as another.
import { createServer } from 'node:http';

const busyNs = BigInt(Math.round(Number(process.env.BUSY_US ?? 0) * 1000));

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      fulfillmentInfo?: { tag?: string };
    };
    const until = process.hrtime.bigint() + busyNs;
    while (process.hrtime.bigint() < until);
    const out = JSON.stringify({
      fulfillmentResponse: {
        messages: [{ text: { text: [`echo ${body.fulfillmentInfo?.tag}`] } }],
      },
    });
    // end() with the whole body sets Content-Length.
    res.setHeader('content-type', 'application/json').end(out);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
