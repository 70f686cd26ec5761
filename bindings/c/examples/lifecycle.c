/*
 * An order's life through the omskit C interface: place it, edit it, hold
 * and release it, record its payment, cancel part of it, then all of it,
 * and check the audit chain. Every step that exists today; fulfilment,
 * shipping and delivery come with later versions of omskit.
 *
 *     lifecycle_c              in memory
 *     lifecycle_c shop.db      in a SQLite file (created if missing)
 *
 * Build: cc lifecycle.c $(pkg-config --cflags --libs omskit) -o lifecycle_c
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "omskit.h"

/* Stops the program with the library's description of the failure. */
static void must(omskit_status status, const char *what) {
    if (status != OMSKIT_STATUS_OK) {
        const char *field = omskit_last_error_field();
        fprintf(stderr, "%s failed: %s: %s%s%s\n", what, omskit_status_name(status),
                omskit_last_error_message(), field ? " (field " : "", field ? field : "");
        exit(1);
    }
}

/* Prints one value of an order (read with a JSON Pointer such as "/status"). */
static void show(const char *order_json, const char *label, const char *pointer) {
    char *value = NULL;
    must(omskit_json_get(order_json, pointer, &value), "omskit_json_get");
    printf("  %-14s %s\n", label, value);
    omskit_string_free(value);
}

static void show_stock(const omskit_oms *oms, const char *sku) {
    int64_t on_hand, reserved, available;
    must(omskit_stock_level(oms, sku, "WH-EAST", &on_hand, &reserved, &available), "stock_level");
    printf("  %-6s at WH-EAST: %lld on hand, %lld reserved, %lld available\n", sku,
           (long long)on_hand, (long long)reserved, (long long)available);
}

int main(int argc, char **argv) {
    omskit_oms *oms = NULL;
    if (argc > 1) {
        must(omskit_oms_open(argv[1], &oms), "omskit_oms_open");
        printf("SQLite file %s\n", argv[1]);
    } else {
        must(omskit_oms_in_memory(&oms), "omskit_oms_in_memory");
        printf("in-memory store\n");
    }
    /* Orders above 500 USD wait on hold until someone releases them. */
    must(omskit_oms_set_hold_rules(oms, "[{\"rule\": \"grand_total_above\", \"amount\": \"500\", "
                                        "\"currency\": \"USD\"}]"),
         "set_hold_rules");

    omskit_status st = omskit_add_location(oms, "WH-EAST", "East DC", 1);
    if (st != OMSKIT_STATUS_CONFLICT) must(st, "add_location"); /* exists in a reused file */
    must(omskit_receive_stock(oms, "MUG", "WH-EAST", 20, "PO-77"), "receive_stock");
    must(omskit_receive_stock(oms, "LAPTOP", "WH-EAST", 2, "PO-77"), "receive_stock");
    printf("stock received\n");
    show_stock(oms, "MUG");

    /* 1. Place: the draft is JSON, amounts are decimal strings. */
    const char *draft =
        "{\"channel\": \"web\", \"currency\": \"USD\","
        " \"customer\": {\"id\": \"c-42\", \"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"},"
        " \"ship_to\": {\"name\": \"Ada Lovelace\", \"line1\": \"12 Analytical Row\","
        "               \"city\": \"Springfield\", \"region\": \"IL\", \"postal_code\": \"62701\","
        "               \"country\": \"US\"},"
        " \"lines\": [{\"sku\": \"MUG\", \"quantity\": 4, \"unit_price\": \"12.50\", \"tax_rate\": \"0.0825\"}],"
        " \"shipping\": \"4.95\"}";
    char *order = NULL;
    must(omskit_place_order(oms, draft, &order), "place_order");
    char *id = NULL;
    must(omskit_json_get(order, "/id", &id), "json_get /id");
    printf("1. placed order %s\n", id);
    show(order, "status", "/status");
    show(order, "grand total", "/totals/grand_total");
    omskit_string_free(order);
    show_stock(oms, "MUG");

    /* 2. Edit: 6 mugs instead of 4, and a laptop: the total crosses 500 USD,
     *    so the hold rule puts the order on hold. */
    must(omskit_edit_order(oms, id,
                           "[{\"op\": \"set_quantity\", \"line_id\": 1, \"quantity\": 6},"
                           " {\"op\": \"add_line\", \"line\": {\"sku\": \"LAPTOP\", \"quantity\": 1,"
                           "  \"unit_price\": \"1299.00\"}}]",
                           &order),
         "edit_order");
    printf("2. edited\n");
    show(order, "status", "/status");
    show(order, "held by", "/holds/0/rule");
    show(order, "grand total", "/totals/grand_total");
    omskit_string_free(order);

    /* 3. Release the hold, then hold by hand and release again. */
    must(omskit_release_hold(oms, id, NULL), "release_hold");
    must(omskit_hold_order(oms, id, "customer asked to wait", NULL), "hold_order");
    must(omskit_release_hold(oms, id, &order), "release_hold");
    printf("3. held and released\n");
    show(order, "status", "/status");

    /* 4. Payment: authorize the total, then capture it. */
    char *total = NULL;
    must(omskit_json_get(order, "/totals/grand_total", &total), "json_get total");
    omskit_string_free(order);
    must(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_AUTHORIZATION, total, "psp-auth-1", NULL),
         "record_payment");
    must(omskit_record_payment(oms, id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-1", &order),
         "record_payment");
    printf("4. paid %s USD\n", total);
    show(order, "payment", "/payment_status");
    omskit_string_free(total);
    omskit_string_free(order);

    /* 5. Partial cancel: 2 mugs; their reservation is released. */
    must(omskit_cancel_lines(oms, id, "[{\"line_id\": 1, \"quantity\": 2}]", "customer wants 4", &order),
         "cancel_lines");
    printf("5. cancelled 2 mugs\n");
    show(order, "mugs left", "/lines/0/quantity");
    show(order, "grand total", "/totals/grand_total");
    omskit_string_free(order);
    show_stock(oms, "MUG");

    /* 6. Cancel the rest: every reservation is released. */
    must(omskit_cancel_order(oms, id, "customer changed their mind", &order), "cancel_order");
    printf("6. cancelled\n");
    show(order, "status", "/status");
    omskit_string_free(order);
    show_stock(oms, "MUG");
    show_stock(oms, "LAPTOP");

    /* What went wrong looks like this. */
    st = omskit_place_order(oms,
                            "{\"channel\": \"web\", \"currency\": \"USD\","
                            " \"customer\": {\"id\": \"c-9\", \"name\": \"Alan Turing\"},"
                            " \"lines\": [{\"sku\": \"LAPTOP\", \"quantity\": 100, \"unit_price\": \"1299.00\"}]}",
                            NULL);
    printf("a 100-laptop order: %s, short of %s (%s)\n", omskit_status_name(st),
           omskit_last_error_sku(), omskit_last_error_message());

    char *events = NULL;
    must(omskit_events_since(oms, 0, 1000, &events), "events_since");
    char *first = NULL;
    must(omskit_json_get(events, "/0/kind", &first), "json_get");
    printf("the event log starts with %s\n", first);
    omskit_string_free(first);
    omskit_string_free(events);
    bool intact = false;
    char *report = NULL;
    must(omskit_verify_audit_chain(oms, &intact, &report), "verify_audit_chain");
    printf("audit chain %s: %s\n", intact ? "intact" : "BROKEN", report);
    omskit_string_free(report);

    omskit_string_free(id);
    omskit_oms_free(oms);
    return intact ? 0 : 1;
}
