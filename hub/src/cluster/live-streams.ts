/**
 * Which hub node waits for each live stream's edge socket (cluster mode, issue 14). The node
 * whose browser asked for a stream claims its id before the edge box is asked; the edge box then
 * dials the front door, which may hand its socket to any node. A node that gets a stream it is not
 * waiting for looks the id up here and relays the socket to the node that is.
 */
export interface LiveStreamDirectory {
  /** This node's address as the other nodes reach it (`http://host:port`), once it listens. */
  listening(url: string): void;
  /**
   * Records that this node waits for `streamId`; resolves once other nodes can read it, rejects
   * (an `unavailable` HubError) when that cannot be done within ~2 s: then nobody could route the
   * box's socket, so the box must not be asked.
   */
  claim(streamId: string): Promise<void>;
  release(streamId: string): Promise<void>;
  /** The address of the node that waits for `streamId`, or null (none, or it is this node). */
  ownerOf(streamId: string): Promise<string | null>;
  close(): Promise<void>;
}
