// The public APIs the console reads, and nothing else: Step Functions, Lambda, SQS and X-Ray (AWS's
// JSON protocols, SigV4-signed) and Sagaline's HTTP API (an API key). Where they are and who calls
// them is the settings' (stored in this browser only): the local runtime by default.
import { sign } from './sigv4.js';

const DEFAULTS = { endpoint: location.origin, region: 'us-east-1', accessKeyId: 'local', secretAccessKey: 'local',
  apiEndpoint: location.origin, apiKey: 'local-demo-key' };

// Where to call is kept in this browser; the secret and the API key only for this tab's session.
const SECRETS = ['secretAccessKey', 'apiKey'];

export function settings() {
  const saved = JSON.parse(localStorage.getItem('sagaline.console') || '{}');
  const secret = JSON.parse(sessionStorage.getItem('sagaline.console.secrets') || '{}');
  return { ...DEFAULTS, ...saved, ...secret };
}

export function saveSettings(values) {
  const secret = Object.fromEntries(SECRETS.map(k => [k, values[k]]));
  const rest = Object.fromEntries(Object.entries(values).filter(([k]) => !SECRETS.includes(k)));
  localStorage.setItem('sagaline.console', JSON.stringify(rest));
  sessionStorage.setItem('sagaline.console.secrets', JSON.stringify(secret));
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

async function signedFetch(service, url, { method = 'POST', headers = {}, body = '' } = {}) {
  const s = settings();
  const signedHeaders = await sign({ method, url, headers, body, service, region: s.region,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } });
  const response = await fetch(url, { method, headers: signedHeaders, body: method === 'GET' ? undefined : body });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const code = (json.__type || response.headers.get('x-amzn-errortype') || String(response.status)).split('#').pop();
    throw new ApiError(response.status, code, json.message || json.Message || text);
  }
  return { json, headers: response.headers };
}

/** An AWS JSON-protocol call (Step Functions, SQS): `target` is e.g. AWSStepFunctions.ListExecutions. */
async function jsonProtocol(service, target, request, version = '1.0') {
  const { json } = await signedFetch(service, settings().endpoint + '/', {
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
    body: JSON.stringify(request || {}),
  });
  return json;
}

export const sfn = (operation, request) => jsonProtocol('states', 'AWSStepFunctions.' + operation, request);
export const sqs = (operation, request) => jsonProtocol('sqs', 'AmazonSQS.' + operation, request);

/** Lambda's Invoke (RequestResponse): the function's answer, or its error. */
export async function invoke(functionName, payload) {
  const { json, headers } = await signedFetch('lambda',
    `${settings().endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    { headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload || {}) });
  if (headers.get('x-amz-function-error')) {
    throw new ApiError(200, json.errorType, json.errorMessage);
  }
  return json;
}

/** X-Ray's BatchGetTraces: the traces of `ids` (X-Ray ids, 1-xxxxxxxx-...). */
export async function traces(ids) {
  const { json } = await signedFetch('xray', settings().endpoint + '/Traces', {
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ TraceIds: ids }),
  });
  return json.Traces || [];
}

/** Sagaline's HTTP API: `GET path`; null for a 404. */
export async function api(path) {
  const s = settings();
  const response = await fetch(s.apiEndpoint + path, { headers: { 'x-api-key': s.apiKey } });
  if (response.status === 404) {
    return null;
  }
  const json = await response.json();
  if (!response.ok) {
    throw new ApiError(response.status, json.title || response.status, json.detail || JSON.stringify(json));
  }
  return json;
}
