// Baseline: what Google's samples and most webhook projects run. Express 5 with express.json().
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/', (req, res) => {
  const body = req.body as { fulfillmentInfo?: { tag?: string } };
  res.json({
    fulfillmentResponse: { messages: [{ text: { text: [`echo ${body.fulfillmentInfo?.tag}`] } }] },
  });
});
const server = createServer(app);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(
    JSON.stringify({
      port: (server.address() as AddressInfo).port,
      message: 'cx-webhook listening',
    }),
  );
});
