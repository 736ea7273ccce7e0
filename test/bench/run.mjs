// `npm run bench [-- NAME...]`: runs the benchmarks (all, or those named) and prints their tables.
const benches = {
	store: () => import('./store.bench.mjs'),
	graph: () => import('./graph.bench.mjs'),
	run: () => import('./run.bench.mjs'),
	memory: () => import('./memory.bench.mjs'),
	views: () => import('./views.bench.mjs'),
	attack: () => import('./attack.bench.mjs'),
	orchestrator: () => import('./orchestrator.bench.mjs'),
	clis: () => import('./clis.bench.mjs'),
	cost: () => import('./cost.bench.mjs'),
	worktrees: () => import('./worktrees.bench.mjs'),
	mcp: () => import('./mcp.bench.mjs'),
	panes: () => import('./panes.bench.mjs'),
	plan: () => import('./plan.bench.mjs'),
	pg: () => import('./store-pg.bench.mjs'),
	'pg-dispatch': async () => ({run: (await import('./store-pg.bench.mjs')).runDispatch}),
	soak: () => import('./soak.bench.mjs'),
	'worktrees-remote': async () => ({run: (await import('./worktrees.bench.mjs')).runRemote}),
};

/** Parts of another benchmark, run alone only when named (the whole one runs them too). */
const partsOnly = new Set(['pg-dispatch']);

const wanted = process.argv.slice(2);
for (const name of wanted) {
	if (!(name in benches)) {
		console.error(
			`Unknown benchmark "${name}"; the benchmarks are: ${Object.keys(benches).join(', ')}.`,
		);
		process.exit(2);
	}
}

console.log(
	`node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}`,
);
for (const [name, load] of Object.entries(benches)) {
	if (wanted.length === 0 ? partsOnly.has(name) : !wanted.includes(name)) continue;
	await (await load()).run();
}
