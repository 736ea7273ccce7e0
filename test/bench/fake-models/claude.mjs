#!/usr/bin/env node
/**
 * A fake Anthropic Messages API for running the real `claude` CLI offline (PRODUCT.md §13): the
 * captured fixtures in test/fixtures/clis/claude were made against it. Plain node:http, no
 * dependencies. Point the CLI at the URL it prints:
 *
 *   FAKE_SCENARIO=ok node test/bench/fake-models/claude.mjs   # or: node claude.mjs ok
 *   ANTHROPIC_BASE_URL=<url> ANTHROPIC_API_KEY=test claude -p hi --output-format stream-json --verbose
 *
 * Scenarios: ok (one Bash tool call, then a final message), tool-error (a Bash call that fails),
 * slow-tool (a Bash call that sleeps 30 s, for SIGINT during a tool), overloaded (529 every time),
 * server-error (500 every time), rate-limited (429, no reset), usage-limit (429 with the
 * anthropic-ratelimit-unified-* headers the CLI turns into "You've hit your session limit · resets
 * …"; it only reads them for a claude.ai subscriber, so run the CLI with CLAUDE_CODE_OAUTH_TOKEN
 * instead of ANTHROPIC_API_KEY), auth (401), slow (a reply streamed over a minute, for SIGINT).
 * Env FAKE_RESET_SECONDS: how far ahead the usage limit resets (default 2 h). limit-then-ok: the
 * usage limit until FAKE_RESET_SECONDS after the server started, then ok (a limit waited out).
 * plan, plan-retry, plan-invalid: answers jetpack-tui's planning prompt (plan-answer.mjs).
 */
import http from 'node:http';
import {planAnswer, planScenario} from './plan-answer.mjs';

const scenario = process.argv[2] ?? process.env.FAKE_SCENARIO ?? 'ok';
const resetSeconds = Number(process.env.FAKE_RESET_SECONDS ?? 7200);
const known = [
	'ok',
	'tool-error',
	'slow-tool',
	'overloaded',
	'server-error',
	'rate-limited',
	'usage-limit',
	'limit-then-ok',
	'auth',
	'slow',
	'plan',
	'plan-retry',
	'plan-invalid',
];
if (!known.includes(scenario)) {
	console.error(`unknown scenario ${scenario}; one of ${known.join(', ')}`);
	process.exit(2);
}

/** limit-then-ok: until when the limit holds (unix s). */
const limitUntil = Math.floor(Date.now() / 1000) + resetSeconds;

let counter = 0;
const id = (prefix) => `${prefix}_fake${String(++counter).padStart(4, '0')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Headers a subscriber's successful request carries; the CLI turns them into `rate_limit_event`. */
function allowedHeaders() {
	const reset = Math.floor(Date.now() / 1000) + resetSeconds;
	return {
		'anthropic-ratelimit-unified-status': 'allowed',
		'anthropic-ratelimit-unified-reset': String(reset),
		'anthropic-ratelimit-unified-representative-claim': 'five_hour',
		'anthropic-ratelimit-unified-5h-utilization': '0.1',
		'anthropic-ratelimit-unified-5h-reset': String(reset),
	};
}

function sendError(res, status, type, message, headers = {}) {
	res.writeHead(status, {
		'content-type': 'application/json',
		'request-id': id('req'),
		...headers,
	});
	res.end(JSON.stringify({type: 'error', error: {type, message}, request_id: id('req')}));
}

/** What the model says next: a tool call on the first turn, a final message after a tool result. */
function reply(body) {
	const messages = body.messages ?? [];
	const last = messages.at(-1);
	const content = Array.isArray(last?.content) ? last.content : [];
	const afterTool = content.some((block) => block.type === 'tool_result');
	const hasBash = (body.tools ?? []).some((tool) => tool.name === 'Bash');
	if (planScenario(scenario)) {
		// The CLI's own side requests (a title, a summary) get a short answer, as the real API gives.
		const said = messages
			.filter((message) => message.role === 'user')
			.flatMap((message) =>
				typeof message.content === 'string'
					? [message.content]
					: (message.content ?? []).map((block) => block.text ?? ''),
			)
			.join('\n');
		return [{type: 'text', text: planAnswer(scenario, said) ?? 'Fake title'}];
	}
	if (scenario === 'slow')
		return [{type: 'text', text: 'Working slowly on it. '.repeat(60).trim(), slow: true}];
	if (!hasBash || body.max_tokens === 1) return [{type: 'text', text: 'Fake title'}];
	if (afterTool) return [{type: 'text', text: 'Done: hello.txt now says hello.'}];
	if (scenario === 'slow-tool')
		return [
			{
				type: 'tool_use',
				id: id('toolu'),
				name: 'Bash',
				input: {command: 'sleep 30', description: 'Wait'},
			},
		];
	if (scenario === 'tool-error')
		return [
			{
				type: 'tool_use',
				id: id('toolu'),
				name: 'Bash',
				input: {command: 'cat missing.txt', description: 'Read a missing file'},
			},
		];
	return [
		{type: 'thinking', thinking: 'The user wants a file; one shell command does it.'},
		{type: 'text', text: 'I will create the file.'},
		{
			type: 'tool_use',
			id: id('toolu'),
			name: 'Bash',
			input: {command: 'echo hello > hello.txt && cat hello.txt', description: 'Write hello.txt'},
		},
	];
}

function usage(outputTokens) {
	return {
		input_tokens: 120,
		cache_creation_input_tokens: 30,
		cache_read_input_tokens: 400,
		output_tokens: outputTokens,
	};
}

async function stream(res, body, blocks, headers) {
	res.writeHead(200, {
		'content-type': 'text/event-stream',
		'cache-control': 'no-cache',
		'request-id': id('req'),
		...headers,
	});
	const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
	send('message_start', {
		type: 'message_start',
		message: {
			id: id('msg'),
			type: 'message',
			role: 'assistant',
			model: body.model,
			content: [],
			stop_reason: null,
			stop_sequence: null,
			usage: usage(1),
		},
	});
	let index = 0;
	for (const block of blocks) {
		if (block.type === 'text') {
			send('content_block_start', {
				type: 'content_block_start',
				index,
				content_block: {type: 'text', text: ''},
			});
			const words = block.slow ? block.text.split(/(?<= )/) : [block.text];
			for (const word of words) {
				if (res.destroyed) return;
				send('content_block_delta', {
					type: 'content_block_delta',
					index,
					delta: {type: 'text_delta', text: word},
				});
				if (block.slow) await sleep(500);
			}
		} else if (block.type === 'thinking') {
			send('content_block_start', {
				type: 'content_block_start',
				index,
				content_block: {type: 'thinking', thinking: '', signature: ''},
			});
			send('content_block_delta', {
				type: 'content_block_delta',
				index,
				delta: {type: 'thinking_delta', thinking: block.thinking},
			});
			send('content_block_delta', {
				type: 'content_block_delta',
				index,
				delta: {type: 'signature_delta', signature: 'ZmFrZS1zaWduYXR1cmU='},
			});
		} else {
			send('content_block_start', {
				type: 'content_block_start',
				index,
				content_block: {type: 'tool_use', id: block.id, name: block.name, input: {}},
			});
			send('content_block_delta', {
				type: 'content_block_delta',
				index,
				delta: {type: 'input_json_delta', partial_json: JSON.stringify(block.input)},
			});
		}
		send('content_block_stop', {type: 'content_block_stop', index});
		index++;
	}
	const toolCall = blocks.some((block) => block.type === 'tool_use');
	send('message_delta', {
		type: 'message_delta',
		delta: {stop_reason: toolCall ? 'tool_use' : 'end_turn', stop_sequence: null},
		usage: {output_tokens: 25},
	});
	send('message_stop', {type: 'message_stop'});
	res.end();
}

function json(res, body, blocks, headers) {
	res.writeHead(200, {'content-type': 'application/json', 'request-id': id('req'), ...headers});
	res.end(
		JSON.stringify({
			id: id('msg'),
			type: 'message',
			role: 'assistant',
			model: body.model,
			content: blocks.map(({slow: _slow, ...block}) => block),
			stop_reason: blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn',
			stop_sequence: null,
			usage: usage(25),
		}),
	);
}

const server = http.createServer((req, res) => {
	let raw = '';
	req.on('data', (chunk) => (raw += chunk));
	req.on('end', () => {
		let body = {};
		try {
			body = JSON.parse(raw || '{}');
		} catch {
			// Not JSON: answered below like any other request.
		}
		const path = (req.url ?? '').split('?')[0];
		console.error(`${new Date().toISOString()} ${req.method} ${req.url} ${scenario}`);
		if (!path.endsWith('/v1/messages')) {
			if (path.endsWith('/count_tokens')) {
				res.writeHead(200, {'content-type': 'application/json'});
				res.end(JSON.stringify({input_tokens: 100}));
				return;
			}
			sendError(res, 404, 'not_found_error', `Not found: ${path}`);
			return;
		}
		if (scenario === 'overloaded') return sendError(res, 529, 'overloaded_error', 'Overloaded');
		if (scenario === 'server-error')
			return sendError(res, 500, 'api_error', 'Internal server error');
		if (scenario === 'auth')
			return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
		if (scenario === 'rate-limited')
			return sendError(
				res,
				429,
				'rate_limit_error',
				'Number of request tokens has exceeded your per-minute rate limit',
			);
		const limited = scenario === 'limit-then-ok' && Date.now() / 1000 < limitUntil;
		if (scenario === 'usage-limit' || limited) {
			const reset = limited ? limitUntil : Math.floor(Date.now() / 1000) + resetSeconds;
			return sendError(res, 429, 'rate_limit_error', 'Rate limited', {
				'anthropic-ratelimit-unified-status': 'rejected',
				'anthropic-ratelimit-unified-reset': String(reset),
				'anthropic-ratelimit-unified-representative-claim': 'five_hour',
				'anthropic-ratelimit-unified-5h-utilization': '1.0',
				'anthropic-ratelimit-unified-5h-reset': String(reset),
			});
		}
		const blocks = reply(body);
		if (body.stream) void stream(res, body, blocks, allowedHeaders());
		else json(res, body, blocks, allowedHeaders());
	});
});

server.listen(0, '127.0.0.1', () => {
	const {port} = server.address();
	console.log(`http://127.0.0.1:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
	process.on(signal, () => server.close(() => process.exit(0)));
