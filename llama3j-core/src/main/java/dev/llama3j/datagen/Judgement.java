package dev.llama3j.datagen;

import java.math.BigInteger;
import java.util.List;

/**
 * What distilabel's {@code UltraFeedback.format_output} makes of a judge's answer: one entry per
 * {@code "\n\n"}-separated section of the answer (so usually one per text), {@code null} where a
 * section could not be read. All lists are {@code null} when the whole answer could not be read
 * (distilabel's {@code _output_on_failure}: the judge answered nothing, or a {@code Rating:} held no
 * number), and {@code failure} then says why.
 *
 * @param ratings the number after {@code Rating:} per section ({@code N/A} or {@code None} give null)
 * @param rationales the text after the (first) {@code Rationale:} per section
 * @param types helpfulness and truthfulness only (else null): the first number after {@code Type:}
 * @param rationalesForRatings helpfulness and truthfulness only: the rationale after {@code Rating:}
 * @param failure why the answer could not be read at all, or null
 */
public record Judgement(List<BigInteger> ratings, List<String> rationales, List<BigInteger> types,
        List<String> rationalesForRatings, String failure) {

    static Judgement failed(String why) {
        return new Judgement(null, null, null, null, why);
    }
}
