/*
 * Orders' lives through the omskit C interface. The first order is placed,
 * edited, held and released, paid, cancelled in part, then in full. The
 * second goes all the way: fulfilled, picked (one unit short, found at
 * another warehouse), packed, shipped by rate shopping, tracked (a
 * duplicate and a late carrier event included) and delivered with proof,
 * with the customer notifications that calls for. Then the audit chain is
 * checked.
 *
 *     lifecycle_c              in memory
 *     lifecycle_c shop.db      in a SQLite file (created if missing)
 *
 * Build: cc lifecycle.c $(pkg-config --cflags --libs omskit) -o lifecycle_c
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    st = omskit_add_location(oms, "WH-WEST", "West DC", 2);
    if (st != OMSKIT_STATUS_CONFLICT) must(st, "add_location");
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

    /* 7. A second order, all the way to the customer's door. */
    must(omskit_receive_stock(oms, "MUG", "WH-WEST", 10, "PO-78"), "receive_stock");
    must(omskit_set_bin(oms, "MUG", "WH-EAST", "A-01"), "set_bin");
    must(omskit_register_standard_carrier(oms, "USD"), "register_standard_carrier");
    omskit_string_free(id);
    id = NULL;
    must(omskit_place_order(oms, draft, &order), "place_order");
    must(omskit_json_get(order, "/id", &id), "json_get /id");
    omskit_string_free(order);
    printf("7. placed order %s for 4 mugs\n", id);

    /* Fulfil: one fulfilment order per warehouse the units are reserved at. */
    char *fulfillments = NULL, *fid = NULL;
    must(omskit_fulfil(oms, id, &fulfillments), "fulfil");
    must(omskit_json_get(fulfillments, "/0/id", &fid), "json_get fulfilment id");
    show(fulfillments, "ships from", "/0/location");
    omskit_string_free(fulfillments);

    /* A pick list walks the bins; the picker finds 3 mugs, not 4. */
    char ids[128], *pick_list = NULL;
    snprintf(ids, sizeof ids, "[\"%s\"]", fid);
    must(omskit_create_pick_list(oms, "WH-EAST", ids, &pick_list), "create_pick_list");
    show(pick_list, "pick from bin", "/entries/0/bin");
    show(pick_list, "units", "/entries/0/quantity");
    omskit_string_free(pick_list);
    char *fulfillment = NULL;
    must(omskit_confirm_pick(oms, fid, "[{\"line_id\": 1, \"quantity\": 3}]", &fulfillment), "confirm_pick");
    show(fulfillment, "picked", "/lines/0/quantity");
    omskit_string_free(fulfillment);
    must(omskit_fulfillments(oms, id, &fulfillments), "fulfillments");
    show(fulfillments, "short unit at", "/1/location");
    char *west = NULL;
    must(omskit_json_get(fulfillments, "/1/id", &west), "json_get");
    omskit_string_free(fulfillments);

    /* Pack and ship the East DC's 3 mugs with the cheapest quote. */
    must(omskit_pack(oms, fid,
                     "[{\"id\": \"BOX-1\", \"weight_kg\": \"1.5\", \"length_cm\": \"30\","
                     " \"width_cm\": \"20\", \"height_cm\": \"15\","
                     " \"lines\": [{\"line_id\": 1, \"quantity\": 3}]}]",
                     NULL),
         "pack");
    char *quotes = NULL;
    must(omskit_quote_shipment(oms, fid, &quotes), "quote_shipment");
    show(quotes, "cheapest quote", "/0/cost");
    omskit_string_free(quotes);
    must(omskit_ship_with(oms, fid, "{\"rule\": \"cheapest\"}", &fulfillment), "ship_with");
    char *tracking = NULL;
    must(omskit_json_get(fulfillment, "/shipment/tracking_number", &tracking), "json_get");
    show(fulfillment, "shipped with", "/shipment/service");
    show(fulfillment, "tracking", "/shipment/tracking_number");
    omskit_string_free(fulfillment);

    /* The West DC's mug: picked, packed and shipped the fastest way. */
    snprintf(ids, sizeof ids, "[\"%s\"]", west);
    must(omskit_create_pick_list(oms, "WH-WEST", ids, &pick_list), "create_pick_list");
    omskit_string_free(pick_list);
    must(omskit_confirm_pick(oms, west, "[{\"line_id\": 1, \"quantity\": 1}]", NULL), "confirm_pick");
    must(omskit_pack(oms, west,
                     "[{\"id\": \"BOX-2\", \"weight_kg\": \"0.5\", \"length_cm\": \"12\","
                     " \"width_cm\": \"12\", \"height_cm\": \"12\","
                     " \"lines\": [{\"line_id\": 1, \"quantity\": 1}]}]",
                     NULL),
         "pack");
    must(omskit_ship_with(oms, west, "{\"rule\": \"fastest\"}", &fulfillment), "ship_with");
    char *tracking2 = NULL;
    must(omskit_json_get(fulfillment, "/shipment/tracking_number", &tracking2), "json_get");
    omskit_string_free(fulfillment);
    must(omskit_order(oms, id, &order), "order");
    show(order, "order status", "/status");
    omskit_string_free(order);

    /* Carrier events: one arrives twice, one arrives late; neither moves
     * the shipment backwards. */
    const char *updates[] = {
        "{\"carrier_event_id\": \"c-2\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-06T10:00:00Z\"}",
        "{\"carrier_event_id\": \"c-2\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-06T10:00:00Z\"}",
        "{\"carrier_event_id\": \"c-1\", \"kind\": \"picked_up\", \"occurred_at\": \"2030-01-05T16:00:00Z\"}",
        "{\"carrier_event_id\": \"c-3\", \"kind\": \"out_for_delivery\", \"occurred_at\": \"2030-01-07T08:00:00Z\"}",
    };
    for (size_t i = 0; i < sizeof updates / sizeof *updates; i++) {
        char *outcome = NULL, *recorded = NULL, *applied = NULL, *status = NULL;
        must(omskit_record_tracking_event(oms, tracking, updates[i], &outcome), "record_tracking_event");
        must(omskit_json_get(outcome, "/recorded", &recorded), "json_get");
        must(omskit_json_get(outcome, "/applied", &applied), "json_get");
        must(omskit_json_get(outcome, "/fulfillment/status", &status), "json_get");
        printf("  event %zu: recorded %-5s applied %-5s -> %s\n", i + 1, recorded, applied, status);
        omskit_string_free(recorded);
        omskit_string_free(applied);
        omskit_string_free(status);
        omskit_string_free(outcome);
    }

    /* Delivered, with proof; the other box too. */
    char *outcome = NULL;
    must(omskit_confirm_delivery(oms, tracking, "{\"signed_by\": \"A. Lovelace\", \"location\": \"front door\"}",
                                 "2030-01-07T15:04:05Z", &outcome),
         "confirm_delivery");
    show(outcome, "signed by", "/fulfillment/shipment/proof/signed_by");
    omskit_string_free(outcome);
    must(omskit_confirm_delivery(oms, tracking2, "{}", "2030-01-07T16:00:00Z", NULL), "confirm_delivery");
    must(omskit_order(oms, id, &order), "order");
    show(order, "order status", "/status");
    omskit_string_free(order);

    /* What the customer hears about, read from the log (a worker would
     * store the cursor and resume from it). */
    char *page = NULL;
    must(omskit_notifications_since(oms, 0, 100000, &page), "notifications_since");
    printf("  notifications:");
    for (int i = 0;; i++) {
        char pointer[64], *kind = NULL, *order_id = NULL;
        snprintf(pointer, sizeof pointer, "/notifications/%d/kind", i);
        if (omskit_json_get(page, pointer, &kind) != OMSKIT_STATUS_OK) break;
        snprintf(pointer, sizeof pointer, "/notifications/%d/order_id", i);
        must(omskit_json_get(page, pointer, &order_id), "json_get");
        if (strcmp(order_id, id) == 0) printf(" %s", kind);
        omskit_string_free(order_id);
        omskit_string_free(kind);
    }
    printf("\n");
    omskit_string_free(page);
    omskit_string_free(tracking);
    omskit_string_free(tracking2);
    omskit_string_free(west);
    omskit_string_free(fid);

    /* The fulfilment life cycle, drawn from the engine's own table. */
    char *diagram = NULL;
    must(omskit_state_diagram("fulfillment", OMSKIT_DIAGRAM_FORMAT_MERMAID, &diagram), "state_diagram");
    const char *line = strchr(diagram, '\n'); /* the second line: where it starts */
    line = line != NULL ? line + 1 + strspn(line + 1, " ") : "";
    printf("the fulfilment life cycle starts: %.*s\n", (int)strcspn(line, "\n"), line);
    omskit_string_free(diagram);

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
