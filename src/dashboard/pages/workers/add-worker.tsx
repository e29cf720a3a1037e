import { useState } from 'preact/hooks';
import { request } from '../../lib/api.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { Worker } from './model.ts';
import type { ActionResult } from './worker-actions.tsx';

interface Topics {
  topics: { name: string }[];
}

/**
 * The operator's form to add a worker to a node of the pool (`POST /pools/{pool}/workers`):
 * the node, an optional id (the coordinator makes one otherwise), one topic and its slots,
 * and whether it starts enabled. More topics can be given through the API's PATCH.
 */
export function AddWorker({
  pool,
  nodes,
  onDone,
}: {
  pool: string;
  /** Nodes to suggest: the ones the pool already has workers on. */
  nodes: readonly string[];
  onDone: (result: ActionResult) => void;
}) {
  const topics = usePoll<Topics>('/topics', 60_000);
  const [busy, setBusy] = useState(false);
  // Controlled, so that the page's polls re-rendering the form keep what the operator typed.
  const [slots, setSlots] = useState('1');
  const [enabled, setEnabled] = useState(true);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const nodeId = String(data.get('node_id') ?? '').trim();
    const workerId = String(data.get('worker_id') ?? '').trim();
    setBusy(true);
    try {
      const worker = await request<Worker>('POST', `/pools/${encodeURIComponent(pool)}/workers`, {
        node_id: nodeId,
        ...(workerId === '' ? {} : { worker_id: workerId }),
        topics: [{ topic: String(data.get('topic') ?? ''), concurrency: Number(slots) }],
        enabled,
      });
      form.reset();
      setSlots('1');
      setEnabled(true);
      onDone({ ok: true, message: `Added worker ${worker.worker_id} to node ${worker.node_id}.` });
    } catch (error) {
      onDone({ ok: false, message: `Could not add a worker to node ${nodeId}: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  const names = topics.data?.topics.map((t) => t.name) ?? [];
  return (
    <form class="toolbar add-worker" aria-label={`Add a worker to pool ${pool}`} onSubmit={submit}>
      <label>
        Node
        <input name="node_id" required autocomplete="off" spellcheck={false} list="pool-nodes" />
      </label>
      <datalist id="pool-nodes">
        {nodes.map((node) => (
          <option key={node} value={node} />
        ))}
      </datalist>
      <label>
        Worker id (optional)
        <input
          name="worker_id"
          autocomplete="off"
          spellcheck={false}
          placeholder={`node/${pool}-xxxxxx`}
          aria-describedby="worker-id-hint"
        />
      </label>
      <label>
        Topic
        <select name="topic" required>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Slots
        <input
          name="concurrency"
          type="number"
          min={1}
          max={256}
          step={1}
          required
          value={slots}
          onInput={(event) => setSlots((event.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label class="inline">
        <input
          name="enabled"
          type="checkbox"
          checked={enabled}
          onChange={(event) => setEnabled((event.currentTarget as HTMLInputElement).checked)}
        />
        Start enabled
      </label>
      <button type="submit" disabled={busy || names.length === 0}>
        Add worker
      </button>
      <p id="worker-id-hint" class="hint">
        Left empty, the id is the node’s, the pool’s and six random letters.
      </p>
      {topics.data !== undefined && names.length === 0 && (
        <p class="hint">There are no topics yet; a worker needs one to serve.</p>
      )}
    </form>
  );
}
