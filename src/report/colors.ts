import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colour functions that are identity functions when `enabled` is false. */
export function createColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}
