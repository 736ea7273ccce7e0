#!/usr/bin/env node
/**
 * A fake OpenAI Responses API for the real codex CLI (a custom model provider with
 * `wire_api = "responses"`), scripted by a scenario, so its output can be captured without a
 * network or an account:
 *
 *   node test/bench/fake-models/codex.mjs [scenario]   (or FAKE_SCENARIO=...; PORT=0 by default)
 *
 * It prints its base URL (`http://127.0.0.1:PORT/v1`) on the first line of stdout.
 * Scenarios: ok, tools (a web search, a patch, a failing command), escalate (the shell call asks to leave the sandbox: an approval question),
 * overloaded, rate-limited, usage-limit, auth, slow; plan, plan-retry, plan-invalid answer
 * jetpack-tui's planning prompt (plan-answer.mjs). FAKE_LOG=path appends one
 * JSON line per request (method, url, and for a POST the body's tool names and input item types);
 * FAKE_DUMP=path appends each raw request body.
 */
import {appendFileSync} from 'node:fs';
import http from 'node:http';
import {planAnswer, planScenario} from './plan-answer.mjs';

const scenario = process.argv[2] ?? process.env.FAKE_SCENARIO ?? 'ok';
const log = process.env.FAKE_LOG;
/** Seconds from now the usage limit resets (default 2 h 10 min: a time later today, or tomorrow). */
const resetInSeconds = Number(process.env.FAKE_RESET_SECONDS ?? 7800);
let counter = 0;

const sse = (type, body) => `event: ${type}\ndata: ${JSON.stringify({type, ...body})}\n\n`;

const usage = {
	input_tokens: 1234,
	input_tokens_details: {cached_tokens: 1000},
	output_tokens: 56,
	output_tokens_details: {reasoning_tokens: 12},
	total_tokens: 1290,
};

function responseEvents(id, items) {
	const events = [sse('response.created', {response: {id, status: 'in_progress'}})];
	for (const [index, item] of items.entries()) {
		events.push(sse('response.output_item.added', {output_index: index, item}));
		if (item.type === 'message')
			events.push(
				sse('response.output_text.delta', {
					output_index: index,
					item_id: item.id,
					content_index: 0,
					delta: item.content[0].text,
				}),
			);
		events.push(sse('response.output_item.done', {output_index: index, item}));
	}

	events.push(
		sse('response.completed', {response: {id, status: 'completed', output: items, usage}}),
	);
	return events;
}

const reasoning = (id) => ({
	type: 'reasoning',
	id: `rs_${id}`,
	summary: [{type: 'summary_text', text: '**Writing the file**\n\nI will write hello.txt.'}],
});

const message = (id, text) => ({
	type: 'message',
	id: `msg_${id}`,
	role: 'assistant',
	status: 'completed',
	content: [{type: 'output_text', text, annotations: []}],
});

/** A shell call in whichever shape the CLI offered a shell tool. */
function shellCall(id, tools, escalate = false) {
	const names = new Set(tools.map((t) => t.name ?? t.type));
	const command = 'echo hello > hello.txt && cat hello.txt';
	if (names.has('exec_command'))
		return {
			type: 'function_call',
			id: `fc_${id}`,
			call_id: `call_${id}`,
			name: 'exec_command',
			arguments: JSON.stringify(
				escalate
					? {
							cmd: command,
							sandbox_permissions: 'require_escalated',
							justification: 'Do you want to let me write hello.txt outside the sandbox?',
						}
					: {cmd: command},
			),
		};
	if (names.has('shell_command'))
		return {
			type: 'function_call',
			id: `fc_${id}`,
			call_id: `call_${id}`,
			name: 'shell_command',
			arguments: JSON.stringify({command}),
		};
	return {
		type: 'function_call',
		id: `fc_${id}`,
		call_id: `call_${id}`,
		name: 'shell',
		arguments: JSON.stringify({command: ['bash', '-lc', command]}),
	};
}

function sendJson(res, status, body, headers = {}) {
	res.writeHead(status, {'content-type': 'application/json', ...headers});
	res.end(JSON.stringify(body));
}

async function stream(res, events, delayMs) {
	res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'});
	for (const event of events) {
		if (res.destroyed) return;
		res.write(event);
		if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
	}

	res.end();
}

const server = http.createServer((req, res) => {
	let raw = '';
	req.on('data', (chunk) => (raw += chunk));
	req.on('end', () => {
		let body = {};
		try {
			body = raw === '' ? {} : JSON.parse(raw);
		} catch {
			// Not JSON (a compressed body?): logged as such.
			body = {unparsed: raw.length};
		}

		if (process.env.FAKE_DUMP !== undefined) appendFileSync(process.env.FAKE_DUMP, raw + '\n');
		const tools = Array.isArray(body.tools) ? body.tools : [];
		const input = Array.isArray(body.input) ? body.input : [];
		if (log !== undefined)
			appendFileSync(
				log,
				JSON.stringify({
					scenario,
					method: req.method,
					url: req.url,
					tools: tools.map((t) => t.name ?? t.type),
					input: input.map((i) => i.type ?? i.role),
					model: body.model,
				}) + '\n',
			);

		if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
			sendJson(res, 404, {error: {message: 'not found', type: 'invalid_request_error'}});
			return;
		}

		const id = `resp_${++counter}`;
		const toolDone = input.some((i) => i.type === 'function_call_output');
		if (planScenario(scenario)) {
			const said = input
				.filter((item) => item.role === 'user')
				.flatMap((item) =>
					typeof item.content === 'string'
						? [item.content]
						: (item.content ?? []).map((part) => part.text ?? ''),
				)
				.join('\n');
			const items = [message(id, planAnswer(scenario, said) ?? 'Fake title')];
			void stream(res, responseEvents(id, items), 0);
			return;
		}

		switch (scenario) {
			case 'overloaded': {
				sendJson(res, 503, {
					error: {
						message: 'The server is overloaded. Please try again later.',
						type: 'server_error',
					},
				});
				break;
			}

			case 'rate-limited': {
				sendJson(res, 429, {
					error: {
						message: 'Rate limit reached for requests',
						type: 'requests',
						code: 'rate_limit_exceeded',
					},
				});
				break;
			}

			case 'usage-limit': {
				const resetsAt = Math.floor(Date.now() / 1000) + resetInSeconds;
				sendJson(
					res,
					429,
					{
						error: {
							type: 'usage_limit_reached',
							message: 'The usage limit has been reached',
							plan_type: process.env.FAKE_PLAN ?? 'plus',
							resets_at: resetsAt,
							resets_in_seconds: resetInSeconds,
						},
					},
					{
						'x-codex-primary-used-percent': '100',
						'x-codex-primary-window-minutes': '300',
						'x-codex-primary-reset-at': String(resetsAt),
						'x-codex-primary-reset-after-seconds': String(resetInSeconds),
					},
				);
				break;
			}

			case 'auth': {
				sendJson(res, 401, {
					error: {
						message:
							'Incorrect API key provided: dummy. You can find your API key at https://platform.openai.com/account/api-keys.',
						type: 'invalid_request_error',
						code: 'invalid_api_key',
					},
				});
				break;
			}

			case 'slow': {
				const items = toolDone
					? [message(id, 'Done.')]
					: [reasoning(id), message(id, 'Thinking about it slowly...'), shellCall(id, tools)];
				void stream(res, responseEvents(id, items), 3000);
				break;
			}

			case 'tools': {
				// One of each kind of tool, a turn each: a web search and a patch, a failing command, a reply.
				const outputs = input.filter((i) => i.type?.endsWith('_output')).length;
				const items =
					outputs === 0
						? [
								message(id, 'I will add notes.txt, then check for a missing file.'),
								{
									type: 'web_search_call',
									id: `ws_${id}`,
									status: 'completed',
									action: {type: 'search', query: 'codex apply_patch format'},
								},
								{
									type: 'custom_tool_call',
									id: `ctc_${id}`,
									call_id: `call_${id}`,
									name: 'apply_patch',
									input: '*** Begin Patch\n*** Add File: notes.txt\n+first note\n*** End Patch\n',
								},
							]
						: outputs === 1
							? [
									{
										type: 'function_call',
										id: `fc_${id}`,
										call_id: `call_${id}`,
										name: 'exec_command',
										arguments: JSON.stringify({cmd: 'cat missing.txt'}),
									},
								]
							: [message(id, 'notes.txt is added; missing.txt does not exist.')];
				void stream(res, responseEvents(id, items), 0);
				break;
			}

			default: {
				const items = toolDone
					? [message(id, 'I wrote hello.txt with the word hello.')]
					: [reasoning(id), shellCall(id, tools, scenario === 'escalate')];
				void stream(res, responseEvents(id, items), 0);
			}
		}
	});
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
	const address = server.address();
	console.log(`http://127.0.0.1:${address.port}/v1`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
