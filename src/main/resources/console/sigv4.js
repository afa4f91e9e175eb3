// AWS Signature Version 4 in the browser (WebCrypto), as the AWS SDKs sign: the console calls the
// Step Functions, Lambda, SQS and X-Ray APIs as any AWS tool does, so it can be pointed at any
// endpoint that speaks them. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
const encoder = new TextEncoder();

async function sha256Hex(data) {
  const digest = await crypto.subtle.digest('SHA-256', typeof data === 'string' ? encoder.encode(data) : data);
  return hex(digest);
}

async function hmac(key, data) {
  const k = await crypto.subtle.importKey('raw', typeof key === 'string' ? encoder.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, encoder.encode(data));
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('');
}

/** RFC 3986 encoding of one path segment or query part, as SigV4 wants it. */
function uriEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * The headers to send with a request to `url` so that it is signed for `service` in `region` with
 * `credentials` ({accessKeyId, secretAccessKey}). `headers` are signed too (lower-case names).
 */
export async function sign({ method, url, headers = {}, body = '', service, region, credentials, now = new Date() }) {
  const u = new URL(url, location.href);
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const signed = { ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v).trim()])),
    host: u.host, 'x-amz-date': amzDate };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map(n => `${n}:${signed[n]}\n`).join('');
  const path = u.pathname.split('/').map(p => uriEncode(decodeURIComponent(p))).join('/') || '/';
  const query = [...u.searchParams.entries()].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const payloadHash = await sha256Hex(body);
  const canonical = [method, path, query, canonicalHeaders, names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonical)].join('\n');
  let key = await hmac('AWS4' + credentials.secretAccessKey, day);
  for (const part of [region, service, 'aws4_request']) {
    key = await hmac(key, part);
  }
  const signature = hex(await hmac(key, toSign));
  const out = { ...headers, 'x-amz-date': amzDate };
  out.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, `
    + `SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return out;
}
