package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardPolicyTest {
    @Test
    void emptyJsonIsLlamaGuard3() {
        assertEquals(GuardPolicy.llamaGuard3(), GuardPolicy.fromJson(Json.parse("{}")));
        assertEquals(14, GuardPolicy.llamaGuard3().categories().size());
    }

    @Test
    void customCategoriesWithDefinitionsAndExclusions() {
        GuardPolicy p = GuardPolicy.fromJson(Json.parse("""
                {"categories": [{"code": "S1", "name": "Violence", "definition": "Helping plan violence."},
                                {"code": "S2", "name": "Pirates"}],
                 "excluded_category_keys": ["S2"]}"""));
        assertEquals(List.of(new GuardCategory("S1", "Violence", "Helping plan violence.")), p.categories());
        assertEquals(13, GuardPolicy.fromJson(Json.parse("{\"excluded_category_keys\": [\"S14\"]}")).categories().size());
    }

    @Test
    void badPolicyFilesNameTheKey() {
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class,
                () -> GuardPolicy.fromJson(Json.parse("{\"category\": []}")));
        assertTrue(unknown.getMessage().contains("\"category\""), unknown.getMessage());
        Llama3jException noName = assertThrows(Llama3jException.class,
                () -> GuardPolicy.fromJson(Json.parse("{\"categories\": [{\"code\": \"S1\"}]}")));
        assertTrue(noName.getMessage().contains("categories[0].name"), noName.getMessage());
        assertThrows(InvalidRequestException.class, () -> GuardPolicy.fromJson(Json.parse("{\"categories\": []}")));
        assertThrows(InvalidRequestException.class,
                () -> GuardPolicy.fromJson(Json.parse("{\"excluded_category_keys\": [\"S15\"]}")));
    }
}
