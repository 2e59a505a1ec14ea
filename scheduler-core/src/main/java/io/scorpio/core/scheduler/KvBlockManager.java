package io.scorpio.core.scheduler;

/**
 * Paged KV-cache accounting, as vLLM V0's block manager does it: a sequence holds
 * {@code ceil(tokens / blockSize)} blocks; a prefill must leave the watermark free; a decode step needs one
 * more block when the token it writes starts a new block.
 */
final class KvBlockManager {

    private final int totalBlocks;
    private final int blockSize;
    private final int watermarkBlocks;
    private int freeBlocks;

    KvBlockManager(int totalBlocks, int blockSize, int watermarkBlocks) {
        this.totalBlocks = totalBlocks;
        this.blockSize = blockSize;
        this.watermarkBlocks = watermarkBlocks;
        this.freeBlocks = totalBlocks;
    }

    int blocksFor(long tokens) {
        return (int) ((tokens + blockSize - 1) / blockSize);
    }

    /** Whether a prefill of {@code tokens} tokens fits while leaving the watermark free. */
    boolean canAllocatePrefill(int tokens) {
        return freeBlocks - blocksFor(tokens) >= watermarkBlocks;
    }

    /** Whether a request of this many tokens could ever fit, on an otherwise empty cache. */
    boolean couldEverHold(long tokens) {
        return blocksFor(tokens) <= totalBlocks - watermarkBlocks;
    }

    void allocatePrefill(RequestState r) {
        int blocks = blocksFor(r.prefillTokens());
        if (blocks > freeBlocks) {
            throw new IllegalStateException("KV cache overcommitted by " + r);
        }
        freeBlocks -= blocks;
        r.kvBlocks = blocks;
    }

    /**
     * Chunked prefill: whether the request can grow to hold {@code tokens} tokens of KV, leaving {@code reserve}
     * blocks free (the watermark for a request not yet running, 0 for one that is).
     */
    boolean canGrowTo(RequestState r, long tokens, int reserve) {
        return freeBlocks - Math.max(0, blocksFor(tokens) - r.kvBlocks) >= reserve;
    }

    /** Chunked prefill: grows the request's blocks to hold {@code tokens} tokens of KV. */
    void growTo(RequestState r, long tokens) {
        int need = Math.max(0, blocksFor(tokens) - r.kvBlocks);
        if (need > freeBlocks) {
            throw new IllegalStateException("KV cache overcommitted by " + r);
        }
        freeBlocks -= need;
        r.kvBlocks += need;
    }

    int watermarkBlocks() {
        return watermarkBlocks;
    }

    /** Blocks the request needs before its next decode step writes the KV of its last token. */
    int decodeNeed(RequestState r) {
        return Math.max(0, blocksFor(r.currentLength()) - r.kvBlocks);
    }

    boolean canAppend(RequestState r) {
        return decodeNeed(r) <= freeBlocks;
    }

    void append(RequestState r) {
        int need = decodeNeed(r);
        if (need > freeBlocks) {
            throw new IllegalStateException("KV cache overcommitted by " + r);
        }
        freeBlocks -= need;
        r.kvBlocks += need;
    }

    void free(RequestState r) {
        freeBlocks += r.kvBlocks;
        r.kvBlocks = 0;
    }

    int freeBlocks() {
        return freeBlocks;
    }

    int totalBlocks() {
        return totalBlocks;
    }
}
