// Comparison: what Google's samples and most webhook projects run. Express 5 with express.json().
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/', (req, res) => {
  const body = req.body as { fulfillmentInfo?: { tag?: string } };
  res.json({
    fulfillmentResponse: { messages: [{ text: { text: [`echo ${body.fulfillmentInfo?.tag}`] } }] },
  });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
