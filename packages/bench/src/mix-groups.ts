import { parseGroupConvId } from '@warbler/protocol';
import type { MixInit } from './ipc.js';
import { groupPickWeight } from './social-plan.js';

/**
 * The groups of a client-mix run, by index (the index every worker shares, see MixInit.groups): each
 * one's conversation and member count, and the index of a conversation id or a pushed group id.
 * @example const g = new MixGroups(init.groups); g.indexOfConv('g:7') // 0, or -1 for one-to-one
 */
export class MixGroups {
  readonly convs: string[];
  readonly sizes: number[];
  private readonly byConv = new Map<string, number>();
  private readonly byId = new Map<number, number>();

  constructor(groups: MixInit['groups']) {
    this.convs = groups.map((g) => g.conv);
    this.sizes = groups.map((g) => g.size);
    groups.forEach((g, i) => {
      this.byConv.set(g.conv, i);
      const id = parseGroupConvId(g.conv);
      if (id !== undefined) this.byId.set(id, i);
    });
  }

  /** The group of a conversation id; -1 when it is none of the run's groups (one-to-one). */
  indexOfConv(conv: string): number {
    return this.byConv.get(conv) ?? -1;
  }

  /** The group of a push's group id (0: one-to-one, then -1); undefined when it is not one of the run's. */
  indexOfPushed(groupId: number): number | undefined {
    return groupId > 0 ? this.byId.get(groupId) : -1;
  }

  /** How likely a member is to write to group `g` rather than to another of theirs (groupPickWeight). */
  pickWeight(g: number): number {
    return groupPickWeight(this.sizes[g]!);
  }
}
