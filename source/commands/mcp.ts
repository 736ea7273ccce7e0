/**
 * `jetpack-tui mcp`: an MCP server over stdio (PRODUCT.md §16) exposing the task store to agent
 * CLIs and other MCP clients. stdout carries the protocol alone; notices go to stderr. A wrong
 * call is a tool result with `isError` and the CLI's sentence, never a crash; the server ends
 * when its stdin closes, once the calls under way are answered.
 */
import {readFileSync} from 'node:fs';
import {McpServer} from '@modelcontextprotocol/sdk/server/mcp.js';
import {StdioServerTransport} from '@modelcontextprotocol/sdk/server/stdio.js';
import type {Transport} from '@modelcontextprotocol/sdk/shared/transport.js';
import {
	isJSONRPCErrorResponse,
	isJSONRPCNotification,
	isJSONRPCRequest,
	isJSONRPCResultResponse,
	type CallToolResult,
	type JSONRPCMessage,
	type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import {JetpackError} from '../core/errors.js';
import type {CommandContext, CommandResult} from './context.js';
import {tools, type ToolSpec} from './mcp-tools.js';

/** Calls waiting for their turn at most; past it a call is refused, so the queue stays bounded. */
export const maxWaitingCalls = 64;

function version(): string {
	const file = new URL('../../package.json', import.meta.url);
	return (JSON.parse(readFileSync(file, 'utf8')) as {version?: string}).version ?? '0.0.0';
}

export async function runMcp(context: CommandContext): CommandResult {
	const server = new McpServer(
		{name: 'jetpack-tui', version: version()},
		{
			instructions:
				'The task list of this repository (.beads/tasks.jsonl), as jetpack-tui runs it: list, show and add tasks, mark them done (with a note of what you learned), failed, blocked or unblocked, and see the ready work, the critical path and the run.',
		},
	);
	const calls = new CallQueue(context);
	for (const tool of tools) {
		server.registerTool(
			tool.name,
			{
				description: tool.description,
				inputSchema: tool.input,
				annotations: {readOnlyHint: tool.readOnly, destructiveHint: false},
			},
			async (args: Record<string, unknown>) => calls.call(tool, args),
		);
	}

	// A line that is not a message, say: the client hears nothing of it, the person may.
	server.server.onerror = (error) => {
		context.stderr.write(`jetpack-tui: mcp: ${error.message}\n`);
	};
	const closed = stdinClosed();
	const transport = new AnsweringTransport(new StdioServerTransport());
	await server.connect(transport);
	await closed;
	// A client may send its last calls and close at once (a script, a pipe): they are answered.
	await transport.answered();
	await server.close();
	return 0;
}

/**
 * The stdio transport, keeping count of the requests not answered yet, so that the server ends
 * only once it has answered all it was sent.
 */
class AnsweringTransport implements Transport {
	onclose?: () => void;
	onerror?: (error: Error) => void;
	onmessage?: (message: JSONRPCMessage) => void;
	readonly #open = new Set<RequestId>();
	#idle: (() => void) | undefined;

	constructor(private readonly inner: StdioServerTransport) {
		inner.onmessage = (message) => {
			if (isJSONRPCRequest(message)) this.#open.add(message.id);
			// A cancelled request is never answered (the SDK drops its answer).
			if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled')
				this.#settle(message.params?.['requestId'] as RequestId);
			this.onmessage?.(message);
		};

		inner.onerror = (error) => this.onerror?.(error);
		inner.onclose = () => this.onclose?.();
	}

	async start(): Promise<void> {
		await this.inner.start();
	}

	async send(message: JSONRPCMessage): Promise<void> {
		await this.inner.send(message);
		if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message))
			this.#settle(message.id as RequestId);
	}

	#settle(id: RequestId): void {
		this.#open.delete(id);
		if (this.#open.size === 0) this.#idle?.();
	}

	async close(): Promise<void> {
		await this.inner.close();
	}

	async answered(): Promise<void> {
		if (this.#open.size === 0) return;
		await new Promise<void>((resolve) => {
			this.#idle = resolve;
		});
	}
}

function stdinClosed(): Promise<void> {
	return new Promise((resolve) => {
		process.stdin.once('end', resolve);
		process.stdin.once('close', resolve);
	});
}

/**
 * Tool calls one at a time, in the order they came: each is a store transaction, and ours need
 * not wait on each other's lock.
 */
class CallQueue {
	#tail: Promise<unknown> = Promise.resolve();
	#waiting = 0;

	constructor(private readonly context: CommandContext) {}

	async call(tool: ToolSpec, args: Record<string, unknown>): Promise<CallToolResult> {
		if (this.#waiting >= maxWaitingCalls) {
			return failure(
				`${maxWaitingCalls} calls are waiting already; wait for their answers before sending more.`,
			);
		}

		this.#waiting++;
		const turn = this.#tail.then(async () => answer(this.context, tool, args));
		this.#tail = turn.finally(() => {
			this.#waiting--;
		});
		return turn;
	}
}

async function answer(
	context: CommandContext,
	tool: ToolSpec,
	args: Record<string, unknown>,
): Promise<CallToolResult> {
	try {
		const {message, data} = await tool.run(context, args);
		return {
			content: [
				...(message === undefined ? [] : [{type: 'text' as const, text: message}]),
				{type: 'text', text: JSON.stringify(data)},
			],
		};
	} catch (error) {
		if (error instanceof JetpackError) return failure(error.message);
		// A bug: the client hears of it in a sentence, the debug log gets the stack.
		const debug = context.env['JETPACK_DEBUG'] === '1';
		if (debug) context.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		return failure(
			`internal error in ${tool.name}: ${(error as Error).message ?? String(error)}${debug ? '' : ' (JETPACK_DEBUG=1 shows the details on stderr)'}`,
		);
	}
}

function failure(text: string): CallToolResult {
	return {isError: true, content: [{type: 'text', text}]};
}
