// A fake Gemini API (generativelanguage v1beta) for running the real gemini CLI offline:
//   GOOGLE_GEMINI_BASE_URL=<printed url> GEMINI_API_KEY=test gemini --output-format stream-json -p …
// Scripted by a scenario (FAKE_SCENARIO or the first argument): ok, overloaded, server-error,
// rate-limited, usage-limit, capacity, retry-after, daily-quota, auth, bad-key, slow. No dependencies: plain node:http.
import http from 'node:http';

const scenario = process.argv[2] ?? process.env.FAKE_SCENARIO ?? 'ok';
const port = Number(process.env.FAKE_PORT ?? 0);
// The model each request named, echoed as modelVersion as the real API does.
let model = 'gemini-2.5-pro';

const usageMetadata = (prompt, candidates) => ({
	promptTokenCount: prompt,
	candidatesTokenCount: candidates,
	totalTokenCount: prompt + candidates,
	cachedContentTokenCount: 0,
});

const chunk = (parts, finishReason, usage) => ({
	candidates: [
		{content: {role: 'model', parts}, ...(finishReason ? {finishReason} : {}), index: 0},
	],
	...(usage ? {usageMetadata: usage} : {}),
	modelVersion: model,
	responseId: `fake-${Date.now()}`,
});

// Bodies as Google's API sends them (google.rpc.Status inside `error`), so the CLI's own
// classifyGoogleError sees what it would see from the real service.
const failures = {
	overloaded: [
		503,
		{
			error: {
				code: 503,
				message: 'The model is overloaded. Please try again later.',
				status: 'UNAVAILABLE',
			},
		},
	],
	'server-error': [
		500,
		{
			error: {
				code: 500,
				message:
					'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
				status: 'INTERNAL',
			},
		},
	],
	'rate-limited': [
		429,
		{
			error: {
				code: 429,
				message: 'Resource has been exhausted (e.g. check quota).',
				status: 'RESOURCE_EXHAUSTED',
			},
		},
	],
	// ErrorInfo QUOTA_EXHAUSTED plus RetryInfo: the CLI's TerminalQuotaError with a retry delay,
	// which its interactive UI prints as "Usage limit reached for … Access resets at …".
	'usage-limit': [
		429,
		{
			error: {
				code: 429,
				message: 'You have exhausted your quota on this model. Your quota will reset after 1h0m0s.',
				status: 'RESOURCE_EXHAUSTED',
				details: [
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'QUOTA_EXHAUSTED',
						domain: 'cloudcode-pa.googleapis.com',
						metadata: {uiMessage: 'true', model},
					},
					{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3600s'},
				],
			},
		},
	],
	// The server's own capacity (not the user's quota): the CLI retries it silently for the
	// RetryInfo delay, however long.
	capacity: [
		429,
		{
			error: {
				code: 429,
				message:
					'You have exhausted your capacity on this model. Your quota will reset after 1h0m0s.',
				status: 'RESOURCE_EXHAUSTED',
				details: [
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'QUOTA_EXHAUSTED',
						domain: 'cloudcode-pa.googleapis.com',
						metadata: {uiMessage: 'true', model},
					},
					{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3600s'},
				],
			},
		},
	],
	// RetryInfo alone, longer than the CLI will wait (300 s): "Suggested retry after 3600s."
	'retry-after': [
		429,
		{
			error: {
				code: 429,
				message: 'Resource has been exhausted (e.g. check quota).',
				status: 'RESOURCE_EXHAUSTED',
				details: [{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3600s'}],
			},
		},
	],
	// The public API's free-tier daily quota: QuotaFailure with a PerDay quota id.
	'daily-quota': [
		429,
		{
			error: {
				code: 429,
				message:
					'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
				status: 'RESOURCE_EXHAUSTED',
				details: [
					{
						'@type': 'type.googleapis.com/google.rpc.QuotaFailure',
						violations: [
							{
								quotaMetric:
									'generativelanguage.googleapis.com/generate_content_free_tier_requests',
								quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
								quotaDimensions: {location: 'global', model},
								quotaValue: '50',
							},
						],
					},
					{'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '43200s'},
				],
			},
		},
	],
	auth: [
		401,
		{
			error: {
				code: 401,
				message:
					'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
				status: 'UNAUTHENTICATED',
			},
		},
	],
	'bad-key': [
		400,
		{
			error: {
				code: 400,
				message: 'API key not valid. Please pass a valid API key.',
				status: 'INVALID_ARGUMENT',
				details: [
					{
						'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
						reason: 'API_KEY_INVALID',
						domain: 'googleapis.com',
						metadata: {service: 'generativelanguage.googleapis.com'},
					},
				],
			},
		},
	],
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function sendSse(response) {
	response.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
	return (event) => response.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
}

/** Whether the conversation's last turn is a tool's answer (so the model should now conclude). */
function afterTool(body) {
	const last = body?.contents?.at(-1);
	return Boolean(last?.parts?.some((part) => part.functionResponse));
}

async function stream(body, response) {
	const send = sendSse(response);
	if (scenario === 'slow') {
		for (let i = 1; i <= 60; i++) {
			send(chunk([{text: `Slow part ${i}. `}], undefined, undefined));
			await sleep(1000);
			if (response.destroyed) return;
		}

		send(chunk([{text: 'Done.'}], 'STOP', usageMetadata(100, 60)));
	} else if (afterTool(body)) {
		send(chunk([{text: 'I created hello.txt'}], undefined, undefined));
		send(chunk([{text: ' containing "hello".'}], 'STOP', usageMetadata(1450, 12)));
	} else {
		send(chunk([{text: 'Writing the file now.'}], undefined, undefined));
		send(
			chunk(
				[
					{
						functionCall: {
							name: 'run_shell_command',
							args: {command: 'echo hello > hello.txt', description: 'Create hello.txt'},
						},
					},
				],
				'STOP',
				usageMetadata(1200, 25),
			),
		);
	}

	response.end();
}

// Side requests (routing classifier, next-speaker check, summaries) use generateContent with a
// JSON schema: an answer that fits the common ones keeps the CLI on its main path.
function generate(response) {
	const text = JSON.stringify({
		reasoning: 'simple',
		model_choice: 'flash',
		complexity_reasoning: 'simple',
		complexity_score: 10,
		next_speaker: 'user',
	});
	response.writeHead(200, {'content-type': 'application/json'});
	response.end(JSON.stringify(chunk([{text}], 'STOP', usageMetadata(50, 10))));
}

const server = http.createServer((request, response) => {
	let raw = '';
	request.on('data', (data) => {
		raw += data;
	});
	request.on('end', () => {
		let body;
		try {
			body = raw ? JSON.parse(raw) : undefined;
		} catch {
			body = undefined;
		}

		process.stderr.write(`${request.method} ${request.url}\n`);
		const failure = failures[scenario];
		const url = request.url ?? '';
		model = /models\/([^:]+):/.exec(url)?.[1] ?? model;
		if (url.includes(':countTokens')) {
			response.writeHead(200, {'content-type': 'application/json'});
			response.end(JSON.stringify({totalTokens: 100}));
		} else if (
			failure &&
			(url.includes(':streamGenerateContent') || url.includes(':generateContent'))
		) {
			response.writeHead(failure[0], {'content-type': 'application/json'});
			response.end(JSON.stringify(failure[1]));
		} else if (url.includes(':streamGenerateContent')) {
			stream(body, response).catch((error) => {
				process.stderr.write(`stream failed: ${error}\n`);
				response.destroy();
			});
		} else if (url.includes(':generateContent')) {
			generate(response);
		} else {
			response.writeHead(404, {'content-type': 'application/json'});
			response.end(
				JSON.stringify({error: {code: 404, message: `Not found: ${url}`, status: 'NOT_FOUND'}}),
			);
		}
	});
});

server.listen(port, '127.0.0.1', () => {
	const address = server.address();
	process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM'])
	process.on(signal, () => server.close(() => process.exit(0)));
