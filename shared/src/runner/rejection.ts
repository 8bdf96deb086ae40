/** One reason a stage refuses its input: a stable code, a sentence for people, and the field it is about. */
export interface RefusalReason {
  code: string;
  message: string;
  field: string | null;
}

/**
 * A beat's outcome when its stage refuses the run (`<Stage>Rejected`): the reasons, and the command or upstream event
 * that asked for it, so whoever sent it can find the answer.
 */
export function rejection<T extends string>(
  type: T,
  cause: { meta: { type: string; eventId: string } },
  reasons: RefusalReason[],
) {
  return {
    event: {
      type,
      payload: { reasons, commandType: cause.meta.type, commandId: cause.meta.eventId },
    },
  };
}
