package dev.llama3j.deberta;

/**
 * DeBERTa-v2's relative positions: the distance {@code i - j} from a query to a key, squeezed into
 * log-spaced buckets beyond {@code position_buckets / 2} (Hugging Face's {@code make_log_bucket_position}),
 * then shifted into a row of the relative embeddings ({@code clamp(bucket + span, 0, 2 span - 1)}).
 */
final class RelativePositions {
    private RelativePositions() {}

    /** The bucket of distance {@code rel}; without buckets ({@code bucketSize <= 0}) the distance itself. */
    static int bucket(int rel, int bucketSize, int maxPosition) {
        if (bucketSize <= 0 || maxPosition <= 0) {
            return rel;
        }
        int mid = bucketSize / 2;
        int abs = rel < mid && rel > -mid ? mid - 1 : Math.abs(rel);
        if (abs <= mid) {
            return rel;
        }
        // float32 like torch (numpy's float64 gives the same buckets for every distance up to 4096)
        float logPos = (float) Math.ceil((float) Math.log((float) abs / mid) / (float) Math.log((float) (maxPosition - 1) / mid)
                * (mid - 1)) + mid;
        return (int) (Math.signum(rel) * logPos);
    }

    /**
     * For a sequence of {@code n} tokens: the relative-embedding row of each distance {@code d}, at
     * index {@code d + n - 1}: {@code clamp(bucket(d) + span)} for content→position ({@code d = i - j}),
     * {@code clamp(-bucket(d) + span)} for position→content ({@code d = j - i}, key to query).
     */
    static int[] rows(int n, DebertaConfig config, boolean negate) {
        int span = config.attentionSpan();
        int[] rows = new int[2 * n - 1];
        for (int d = -(n - 1); d <= n - 1; d++) {
            int b = bucket(d, config.positionBuckets(), config.maxRelativePositions());
            rows[d + n - 1] = Math.clamp((negate ? -b : b) + span, 0, 2 * span - 1);
        }
        return rows;
    }
}
