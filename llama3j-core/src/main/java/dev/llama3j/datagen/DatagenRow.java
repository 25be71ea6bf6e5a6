package dev.llama3j.datagen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One finished row of a preference data set: a prompt, its generations, the judge's reading of them,
 * and the DPO pair that follows. A row whose generation or judgement failed is still a row: it keeps
 * what was produced and says what failed in {@code error}.
 *
 * @param index the prompt's position in the input (the row's key)
 * @param instruction the prompt
 * @param generations one answer per generator, in generator order (null where that generator failed)
 * @param modelNames the generators' names, in the same order
 * @param aspect what the judge rated
 * @param judgement the judge's answer as distilabel reads it, or null when the row was not judged
 * @param judgeModel the judge's name
 * @param judgeOutput the judge's raw answer, or null when the row was not judged
 * @param preference the pair the ratings give (or why none), or null when the row was not judged
 * @param error what failed (a generation or the judge request), or null
 */
public record DatagenRow(long index, String instruction, List<String> generations, List<String> modelNames,
        UltraFeedbackAspect aspect, Judgement judgement, String judgeModel, String judgeOutput, Preference preference,
        String error) {

    public DatagenRow {
        generations = java.util.Collections.unmodifiableList(new ArrayList<>(generations));
        modelNames = List.copyOf(modelNames);
    }

    /** The output columns, in the order rows write them, for an aspect. */
    public static List<String> columns(UltraFeedbackAspect aspect) {
        List<String> c = new ArrayList<>(List.of("index", "instruction", "generations", "model_names", "ratings",
                "rationales"));
        if (aspect.hasTypes()) {
            c.addAll(List.of("types", "rationales-for-ratings"));
        }
        c.addAll(List.of("judge_model", "judge_output", "chosen", "rejected", "no_pair_reason", "error"));
        return c;
    }

    /**
     * The row as JSON values, keys in {@link #columns} order: distilabel's column names for the
     * judge's reading ({@code ratings}, {@code rationales}, and for helpfulness and truthfulness
     * {@code types} and {@code rationales-for-ratings}), {@code chosen} / {@code rejected} as the
     * message lists TRL's DPO trainer reads, {@code no_pair_reason} when there is no pair.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("instruction", instruction);
        m.put("generations", generations);
        m.put("model_names", modelNames);
        Judgement j = judgement;
        m.put("ratings", j == null ? null : j.ratings());
        m.put("rationales", j == null ? null : j.rationales());
        if (aspect.hasTypes()) {
            m.put("types", j == null ? null : j.types());
            m.put("rationales-for-ratings", j == null ? null : j.rationalesForRatings());
        }
        m.put("judge_model", judgeModel);
        m.put("judge_output", judgeOutput);
        boolean pair = preference != null && preference.hasPair();
        m.put("chosen", pair ? conversation(generations.get(preference.chosen())) : null);
        m.put("rejected", pair ? conversation(generations.get(preference.rejected())) : null);
        m.put("no_pair_reason", pair ? null : preference != null ? preference.reason() : "the row was not judged");
        m.put("error", error);
        return m;
    }

    private List<Map<String, String>> conversation(String answer) {
        return List.of(message("user", instruction), message("assistant", answer));
    }

    private static Map<String, String> message(String role, String content) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
