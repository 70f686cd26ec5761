/*
 * Tests of the omskit C ABI for fulfilment, shipping, tracking, delivery,
 * notifications and state diagrams: the whole life of orders (place ->
 * fulfil -> pick list -> confirm pick, short picks included -> pack -> ship
 * by service and by rate shopping -> tracking events, duplicated and out of
 * order -> delivery with proof -> notifications), carriers implemented in C
 * (one whose callbacks fail in every way), a table of bad inputs (NULL for
 * every pointer, invalid UTF-8, malformed JSON, bad values, unknown ids and
 * tracking numbers; each checked to leave the store unchanged), one
 * shipment tracked from several threads, SQLite files, and PostgreSQL when
 * OMSKIT_TEST_PG_URL is set.
 *
 * Built with -Wall -Wextra -Werror; run by scripts/test-c.sh under valgrind
 * (shared library) and with AddressSanitizer + UBSan (static library).
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "omskit.h"

/* ---------------------------------------------------------------- checks */

static int passed;
static int failed;

static void check_(int ok, const char *what, const char *file, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}
#define CHECK(cond) check_((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static void expect_(omskit_status got, omskit_status want, const char *call, const char *file,
                    int line) {
    if (got == want) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", file, line, call,
                omskit_status_name(got), omskit_status_name(want), omskit_last_error_message());
    }
}
#define EXPECT(call, want) expect_((call), (want), #call, __FILE__, __LINE__)
#define OK(call) EXPECT(call, OMSKIT_STATUS_OK)

static int streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static size_t count(const char *haystack, const char *needle) {
    size_t n = 0;
    for (const char *p = haystack; p != NULL && (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

/* The value at a JSON pointer, copied into buf ("" when there is none). */
static const char *jget(const char *json, const char *pointer, char *buf, size_t size) {
    char *value = NULL;
    buf[0] = '\0';
    if (json != NULL && omskit_json_get(json, pointer, &value) == OMSKIT_STATUS_OK) {
        snprintf(buf, size, "%s", value);
    }
    omskit_string_free(value);
    return buf;
}
static char jbuf[16384];
#define JGET(json, pointer) jget((json), (pointer), jbuf, sizeof jbuf)

static const char *const UNKNOWN_ID = "00000000-0000-7000-8000-000000000000";
static const char *const BAD_UTF8 = "\xff\xfe";

/* ------------------------------------------------------------- snapshots */

/* What a snapshot covers besides the event log and the orders: the
 * fulfilment orders of the orders tracked, the tracking events and sensor
 * readings of the shipments tracked, stock levels, bins and carriers. */
#define MAX_TRACKED 24
static char tracked_orders[MAX_TRACKED][64];
static int n_tracked_orders;
static char tracked_numbers[MAX_TRACKED][64];
static int n_tracked_numbers;

static void track_order(const char *id) {
    if (n_tracked_orders < MAX_TRACKED) snprintf(tracked_orders[n_tracked_orders++], 64, "%s", id);
}
static void track_number(const char *tracking_number) {
    if (n_tracked_numbers < MAX_TRACKED)
        snprintf(tracked_numbers[n_tracked_numbers++], 64, "%s", tracking_number);
}
static void untrack_all(void) {
    n_tracked_orders = 0;
    n_tracked_numbers = 0;
}

#define SNAP_SKUS 4
static const char *const snap_skus[SNAP_SKUS] = {"MUG", "TEE", "CUP", "BOX"};
static const char *const snap_locations[2] = {"WH-EAST", "WH-WEST"};

typedef struct {
    char *events;
    char *orders;
    char *carriers;
    char *stock[SNAP_SKUS];
    char *bins[SNAP_SKUS * 2];
    char *fulfillments[MAX_TRACKED];
    char *tracking[MAX_TRACKED];
    char *readings[MAX_TRACKED];
} snapshot;

static void snap(const omskit_oms *oms, snapshot *s) {
    memset(s, 0, sizeof *s);
    if (oms == NULL) return;
    omskit_events_since(oms, 0, SIZE_MAX, &s->events);
    omskit_orders(oms, NULL, SIZE_MAX, &s->orders);
    omskit_carriers(oms, &s->carriers);
    for (int i = 0; i < SNAP_SKUS; i++) {
        omskit_stock_levels(oms, snap_skus[i], &s->stock[i]);
        for (int j = 0; j < 2; j++) omskit_bin(oms, snap_skus[i], snap_locations[j], &s->bins[i * 2 + j]);
    }
    for (int i = 0; i < n_tracked_orders; i++)
        omskit_fulfillments(oms, tracked_orders[i], &s->fulfillments[i]);
    for (int i = 0; i < n_tracked_numbers; i++) {
        omskit_tracking_events(oms, tracked_numbers[i], &s->tracking[i]);
        omskit_condition_readings(oms, tracked_numbers[i], &s->readings[i]);
    }
}

static int same_text(const char *a, const char *b) {
    return (a == NULL && b == NULL) || streq(a, b);
}

static int snap_same(const snapshot *a, const snapshot *b) {
    int same = same_text(a->events, b->events) && same_text(a->orders, b->orders) &&
               same_text(a->carriers, b->carriers);
    for (int i = 0; i < SNAP_SKUS; i++) same = same && same_text(a->stock[i], b->stock[i]);
    for (int i = 0; i < SNAP_SKUS * 2; i++) same = same && same_text(a->bins[i], b->bins[i]);
    for (int i = 0; i < MAX_TRACKED; i++) {
        same = same && same_text(a->fulfillments[i], b->fulfillments[i]) &&
               same_text(a->tracking[i], b->tracking[i]) && same_text(a->readings[i], b->readings[i]);
    }
    return same;
}

static void snap_free(snapshot *s) {
    omskit_string_free(s->events);
    omskit_string_free(s->orders);
    omskit_string_free(s->carriers);
    for (int i = 0; i < SNAP_SKUS; i++) omskit_string_free(s->stock[i]);
    for (int i = 0; i < SNAP_SKUS * 2; i++) omskit_string_free(s->bins[i]);
    for (int i = 0; i < MAX_TRACKED; i++) {
        omskit_string_free(s->fulfillments[i]);
        omskit_string_free(s->tracking[i]);
        omskit_string_free(s->readings[i]);
    }
}

/* The last error of the latest BAD() call, saved before the snapshot that
 * follows it (a successful call clears the last error). */
static char bad_message[2048];
static char bad_field[256]; /* "(null)" when there was none */
static char bad_json[4096];

static void save_last_error(void) {
    const char *field = omskit_last_error_field();
    const char *json = omskit_last_error_json();
    snprintf(bad_message, sizeof bad_message, "%s", omskit_last_error_message());
    snprintf(bad_field, sizeof bad_field, "%s", field == NULL ? "(null)" : field);
    snprintf(bad_json, sizeof bad_json, "%s", json == NULL ? "(null)" : json);
}

/* Checks a call: its status, the last error describing a failure, and the
 * store unchanged. */
static void unchanged_(const omskit_oms *oms, snapshot *before, omskit_status got,
                       omskit_status want, const char *call, const char *file, int line) {
    expect_(got, want, call, file, line);
    if (want != OMSKIT_STATUS_OK) {
        const char *message = omskit_last_error_message();
        const char *json = omskit_last_error_json();
        int described = message != NULL && message[0] != '\0' && json != NULL &&
                        omskit_last_error_status() == want &&
                        strstr(json, omskit_status_name(want)) != NULL;
        check_(described, "the failure is described by omskit_last_error_*", file, line);
        if (!described) fprintf(stderr, "    call: %s\n", call);
    }
    save_last_error();
    snapshot after;
    snap(oms, &after);
    int same = snap_same(before, &after);
    check_(same, "the store is unchanged", file, line);
    if (!same) fprintf(stderr, "    call: %s\n", call);
    snap_free(&after);
    snap_free(before);
}
#define UNCHANGED_(oms, call, want)                                          \
    do {                                                                     \
        snapshot before_;                                                    \
        snap((oms), &before_);                                               \
        omskit_status got_ = (call);                                         \
        unchanged_((oms), &before_, got_, (want), #call, __FILE__, __LINE__); \
    } while (0)
/* A call that must fail with `want` and change nothing. */
#define BAD(oms, call, want) UNCHANGED_(oms, call, want)
/* A call that must succeed and change nothing (a duplicate). */
#define SAME(oms, call) UNCHANGED_(oms, call, OMSKIT_STATUS_OK)
/* The field of the latest BAD() call. */
#define FIELD_IS(name)                                                                   \
    do {                                                                                 \
        int ok_ = streq(bad_field, (name));                                              \
        check_(ok_, "the error names the field " name, __FILE__, __LINE__);             \
        if (!ok_) fprintf(stderr, "    field: %s (%s)\n", bad_field, bad_message);       \
    } while (0)

/* ------------------------------------------------------------------ setup */

#define CUSTOMER                                                                           \
    "\"customer\": {\"id\": \"c-42\", \"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"}"
#define SHIP_TO                                                                         \
    "\"ship_to\": {\"name\": \"Ada Lovelace\", \"line1\": \"12 Analytical Row\", "     \
    "\"city\": \"Springfield\", \"region\": \"IL\", \"postal_code\": \"62701\", \"country\": \"US\"}"

/* Places a USD order shipped to the US with `lines` (a JSON array); its id in `id`. */
static void place(const omskit_oms *oms, const char *external_id, const char *lines, char *id) {
    char draft[2048], *order = NULL;
    snprintf(draft, sizeof draft,
             "{\"channel\": \"web\", \"currency\": \"USD\", \"external_id\": \"%s\", " CUSTOMER
             ", " SHIP_TO ", \"lines\": %s}",
             external_id, lines);
    OK(omskit_place_order(oms, draft, &order));
    jget(order, "/id", id, 64);
    omskit_string_free(order);
    track_order(id);
}

static const char *order_status(const omskit_oms *oms, const char *id, char *buf) {
    char *order = NULL;
    OK(omskit_order(oms, id, &order));
    jget(order, "/status", buf, 64);
    omskit_string_free(order);
    return buf;
}

static const char *fulfillment_status(const omskit_oms *oms, const char *id, char *buf) {
    char *f = NULL;
    OK(omskit_fulfillment(oms, id, &f));
    jget(f, "/status", buf, 64);
    omskit_string_free(f);
    return buf;
}

/* Fulfils an order that ships from one location; the fulfilment order's id in `id`. */
static void fulfil_one(const omskit_oms *oms, const char *order_id, char *id) {
    char *json = NULL;
    OK(omskit_fulfil(oms, order_id, &json));
    CHECK(count(json, "\"status\":\"ready\"") == 1);
    jget(json, "/0/id", id, 64);
    omskit_string_free(json);
}

/* Puts one fulfilment order on a pick list of its own at `location`. */
static void pick_list_of(const omskit_oms *oms, const char *location, const char *fid) {
    char ids[128], *list = NULL;
    snprintf(ids, sizeof ids, "[\"%s\"]", fid);
    OK(omskit_create_pick_list(oms, location, ids, &list));
    omskit_string_free(list);
}

/* Picks everything of a one-line fulfilment order (line `line_id`, `units`)
 * and packs it in one box. */
static void pick_and_pack(const omskit_oms *oms, const char *location, const char *fid,
                          int line_id, int units) {
    char json[512];
    pick_list_of(oms, location, fid);
    snprintf(json, sizeof json, "[{\"line_id\": %d, \"quantity\": %d}]", line_id, units);
    OK(omskit_confirm_pick(oms, fid, json, NULL));
    snprintf(json, sizeof json,
             "[{\"id\": \"BOX-%.8s\", \"weight_kg\": \"0.4\", \"length_cm\": \"10\", "
             "\"width_cm\": \"10\", \"height_cm\": \"10\", \"lines\": [{\"line_id\": %d, "
             "\"quantity\": %d}]}]",
             fid, line_id, units);
    OK(omskit_pack(oms, fid, json, NULL));
}

/* Ships with `carrier`/`service`; the tracking number in `tn`. */
static void ship(const omskit_oms *oms, const char *fid, const char *carrier, const char *service,
                 char *tn) {
    char *f = NULL;
    OK(omskit_ship(oms, fid, carrier, service, &f));
    jget(f, "/shipment/tracking_number", tn, 64);
    omskit_string_free(f);
    track_number(tn);
}

/* Records a tracking event; returns the outcome JSON (to free). */
static char *track(const omskit_oms *oms, const char *tn, const char *event_id, const char *kind,
                   const char *at, const char *extra) {
    char update[1024], *outcome = NULL;
    snprintf(update, sizeof update,
             "{\"carrier_event_id\": \"%s\", \"kind\": \"%s\", \"occurred_at\": \"%s\"%s%s}",
             event_id, kind, at, extra[0] ? ", " : "", extra);
    OK(omskit_record_tracking_event(oms, tn, update, &outcome));
    return outcome;
}

static int outcome_is(const char *outcome, const char *recorded, const char *applied,
                      const char *status) {
    char r[16], a[16], s[64];
    jget(outcome, "/recorded", r, sizeof r);
    jget(outcome, "/applied", a, sizeof a);
    jget(outcome, "/fulfillment/status", s, sizeof s);
    int ok = streq(r, recorded) && streq(a, applied) && streq(s, status);
    if (!ok) fprintf(stderr, "    outcome: recorded %s, applied %s, status %s\n", r, a, s);
    return ok;
}

static void stock(const omskit_oms *oms, const char *sku, const char *location, int64_t *on_hand,
                  int64_t *reserved) {
    int64_t available = 0;
    OK(omskit_stock_level(oms, sku, location, on_hand, reserved, &available));
}

/* ------------------------------------------------------- the lifecycle */

static void test_lifecycle(void) {
    omskit_oms *oms = NULL;
    char a[64], b[64], c[64], d[64], fa[64], faw[64], fbe[64], fbw[64], fc[64], fd[64];
    char tn1[64], tn2[64], tn3[64], tn4[64], s[64], buf[2048];
    char *json = NULL, *out = NULL;
    int64_t on_hand = -1, reserved = -1;
    untrack_all();

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_add_location(oms, "WH-WEST", "West DC", 2));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 5, "PO-1"));
    OK(omskit_receive_stock(oms, "MUG", "WH-WEST", 10, "PO-1"));
    OK(omskit_receive_stock(oms, "TEE", "WH-EAST", 10, "PO-1"));

    /* Carriers: none, then the standard table-rate carrier. */
    OK(omskit_carriers(oms, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_register_standard_carrier(oms, "USD"));
    OK(omskit_carriers(oms, &json));
    CHECK(streq(json, "[\"table-rate\"]"));
    omskit_string_free(json);

    /* Bins. */
    OK(omskit_set_bin(oms, "MUG", "WH-EAST", "A-02"));
    OK(omskit_set_bin(oms, "MUG", "WH-EAST", "A-01")); /* replaces */
    OK(omskit_set_bin(oms, "TEE", "WH-EAST", "B-07"));
    OK(omskit_bin(oms, "MUG", "WH-EAST", &out));
    CHECK(streq(out, "A-01"));
    omskit_string_free(out);
    out = (char *)"sentinel"; /* set to NULL when there is no bin */
    OK(omskit_bin(oms, "TEE", "WH-WEST", &out));
    CHECK(out == NULL);

    /* Order A ships from the East DC; order B is split over both DCs. */
    place(oms, "web-A", "[{\"sku\": \"MUG\", \"quantity\": 4, \"unit_price\": \"12.50\"},"
                        " {\"sku\": \"TEE\", \"quantity\": 2, \"unit_price\": \"19.99\"}]", a);
    place(oms, "web-B", "[{\"sku\": \"MUG\", \"quantity\": 3, \"unit_price\": \"12.50\"}]", b);

    /* Fulfil: one fulfilment order per location. */
    OK(omskit_fulfil(oms, a, &json));
    CHECK(count(json, "\"id\":") == 1);
    CHECK(streq(JGET(json, "/0/location"), "WH-EAST") && streq(JGET(json, "/0/status"), "ready"));
    CHECK(streq(JGET(json, "/0/order_id"), a));
    CHECK(streq(JGET(json, "/0/lines/0/sku"), "MUG") && streq(JGET(json, "/0/lines/0/quantity"), "4"));
    CHECK(streq(JGET(json, "/0/lines/1/sku"), "TEE") && streq(JGET(json, "/0/lines/1/line_id"), "2"));
    CHECK(streq(JGET(json, "/0/shipment"), "null"));
    jget(json, "/0/id", fa, sizeof fa);
    omskit_string_free(json);
    CHECK(streq(order_status(oms, a, s), "processing"));
    SAME(oms, omskit_fulfil(oms, a, &json)); /* nothing left to fulfil */
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_fulfil(oms, b, NULL)); /* the result is optional */
    OK(omskit_fulfillments(oms, b, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/0/location"), "WH-EAST") && streq(JGET(json, "/0/lines/0/quantity"), "1"));
    CHECK(streq(JGET(json, "/1/location"), "WH-WEST") && streq(JGET(json, "/1/lines/0/quantity"), "2"));
    jget(json, "/0/id", fbe, sizeof fbe);
    jget(json, "/1/id", fbw, sizeof fbw);
    omskit_string_free(json);
    OK(omskit_fulfillment(oms, fa, &json));
    CHECK(streq(JGET(json, "/id"), fa) && streq(JGET(json, "/status"), "ready"));
    omskit_string_free(json);

    /* One pick list for both East DC fulfilment orders, walked by bin. */
    snprintf(buf, sizeof buf, "[\"%s\", \"%s\"]", fa, fbe);
    OK(omskit_create_pick_list(oms, "WH-EAST", buf, &json));
    CHECK(streq(JGET(json, "/location"), "WH-EAST") && strlen(JGET(json, "/id")) == 36);
    CHECK(streq(JGET(json, "/entries/0/bin"), "A-01") && streq(JGET(json, "/entries/0/sku"), "MUG"));
    CHECK(streq(JGET(json, "/entries/0/quantity"), "5"));
    CHECK(streq(JGET(json, "/entries/0/sources/0/fulfillment_id"), fa));
    CHECK(streq(JGET(json, "/entries/0/sources/1/quantity"), "1"));
    CHECK(streq(JGET(json, "/entries/1/bin"), "B-07") && streq(JGET(json, "/entries/1/quantity"), "2"));
    CHECK(streq(JGET(json, "/totals/0/units"), "6") && streq(JGET(json, "/totals/1/units"), "1"));
    omskit_string_free(json);
    CHECK(streq(fulfillment_status(oms, fa, s), "picking"));
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", buf, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"entity\":\"fulfillment order\"") && contains(bad_json, "\"from\":\"picking\""));

    /* A short pick: 3 of the 4 mugs. The missing mug is written off at the
     * East DC and re-reserved at the West DC in a new fulfilment order. */
    OK(omskit_confirm_pick(oms, fa, "[{\"line_id\": 1, \"quantity\": 3}, {\"line_id\": 2, \"quantity\": 2}]",
                           &json));
    CHECK(streq(JGET(json, "/status"), "picked") && streq(JGET(json, "/lines/0/quantity"), "3"));
    omskit_string_free(json);
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 4 && reserved == 4); /* A 3, B 1 */
    stock(oms, "MUG", "WH-WEST", &on_hand, &reserved);
    CHECK(on_hand == 10 && reserved == 3); /* B 2, A 1 */
    OK(omskit_stock_movements(oms, "MUG", "WH-EAST", &json));
    CHECK(contains(json, "\"kind\":\"adjustment\"") && contains(json, "\"reason\":\"short pick\""));
    omskit_string_free(json);
    OK(omskit_fulfillments(oms, a, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/1/location"), "WH-WEST") && streq(JGET(json, "/1/status"), "ready"));
    CHECK(streq(JGET(json, "/1/lines/0/line_id"), "1") && streq(JGET(json, "/1/lines/0/quantity"), "1"));
    jget(json, "/1/id", faw, sizeof faw);
    omskit_string_free(json);
    OK(omskit_confirm_pick(oms, fbe, "[{\"line_id\": 1, \"quantity\": 1}]", NULL));

    /* Pack, quote, ship by service. */
    OK(omskit_pack(oms, fa,
                   "[{\"id\": \"BOX-1\", \"weight_kg\": \"1.2\", \"length_cm\": \"30\", \"width_cm\": \"20\","
                   " \"height_cm\": \"10\", \"lines\": [{\"line_id\": 1, \"quantity\": 3}, {\"line_id\": 2, \"quantity\": 2}]}]",
                   &json));
    CHECK(streq(JGET(json, "/status"), "packed") && streq(JGET(json, "/packages/0/id"), "BOX-1"));
    CHECK(streq(JGET(json, "/packages/0/weight_kg"), "1.2"));
    omskit_string_free(json);
    OK(omskit_quote_shipment(oms, fa, &json));
    CHECK(count(json, "\"service\":") == 2);
    CHECK(streq(JGET(json, "/0/carrier"), "table-rate") && streq(JGET(json, "/0/service"), "ground"));
    CHECK(streq(JGET(json, "/0/cost"), "8.50") && streq(JGET(json, "/0/currency"), "USD"));
    CHECK(streq(JGET(json, "/1/service"), "express") && streq(JGET(json, "/1/cost"), "17.00"));
    CHECK(streq(JGET(json, "/1/transit_days"), "1"));
    omskit_string_free(json);
    OK(omskit_ship(oms, fa, "table-rate", "ground", &json));
    CHECK(streq(JGET(json, "/status"), "shipped") && streq(JGET(json, "/shipment/carrier"), "table-rate"));
    CHECK(streq(JGET(json, "/shipment/cost"), "8.50") && streq(JGET(json, "/shipment/service"), "ground"));
    CHECK(streq(JGET(json, "/shipment/rejected_quotes/0/service"), "express"));
    jget(json, "/shipment/tracking_number", tn1, sizeof tn1);
    CHECK(strncmp(tn1, "TR", 2) == 0 && strlen(tn1) == 28);
    omskit_string_free(json);
    track_number(tn1);
    CHECK(streq(order_status(oms, a, s), "partially_shipped"));
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 1 && reserved == 1);
    stock(oms, "TEE", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 8 && reserved == 0);
    OK(omskit_stock_movements(oms, "TEE", "WH-EAST", &json));
    CHECK(streq(JGET(json, "/2/kind"), "shipment") && streq(JGET(json, "/2/reference"), tn1));
    omskit_string_free(json);
    OK(omskit_reservations(oms, a, &json));
    CHECK(contains(json, "\"status\":\"committed\""));
    omskit_string_free(json);

    /* The re-allocated mug: pick, pack and ship by rate shopping (fastest
     * within 12.00: express at 10.00 beats ground at 5.00 on time). */
    pick_and_pack(oms, "WH-WEST", faw, 1, 1);
    OK(omskit_ship_with(oms, faw, "{\"rule\": \"fastest\", \"budget\": \"12.00\"}", &json));
    CHECK(streq(JGET(json, "/shipment/service"), "express") && streq(JGET(json, "/shipment/cost"), "10.00"));
    CHECK(streq(JGET(json, "/shipment/rejected_quotes/0/cost"), "5.00"));
    jget(json, "/shipment/tracking_number", tn2, sizeof tn2);
    omskit_string_free(json);
    track_number(tn2);
    CHECK(!streq(tn1, tn2));
    CHECK(streq(order_status(oms, a, s), "shipped"));

    /* Order B: the cheapest rule, then a service by name. */
    OK(omskit_pack(oms, fbe,
                   "[{\"id\": \"B-1\", \"weight_kg\": \"0.5\", \"length_cm\": \"10\", \"width_cm\": \"10\","
                   " \"height_cm\": \"10\", \"lines\": [{\"line_id\": 1, \"quantity\": 1}]}]",
                   NULL));
    OK(omskit_ship_with(oms, fbe, "{\"rule\": \"cheapest\"}", &json));
    CHECK(streq(JGET(json, "/shipment/service"), "ground") && streq(JGET(json, "/shipment/cost"), "5.00"));
    jget(json, "/shipment/tracking_number", tn3, sizeof tn3);
    omskit_string_free(json);
    track_number(tn3);
    CHECK(streq(order_status(oms, b, s), "partially_shipped"));
    pick_and_pack(oms, "WH-WEST", fbw, 1, 2);
    ship(oms, fbw, "table-rate", "express", tn4);
    CHECK(streq(order_status(oms, b, s), "shipped"));

    /* Tracking of the first shipment. */
    json = track(oms, tn1, "evt-2", "in_transit", "2030-01-06T10:00:00Z",
                 "\"location\": \"Memphis hub\", \"description\": \"Departed facility\"");
    CHECK(outcome_is(json, "true", "true", "in_transit"));
    omskit_string_free(json);
    /* The same event again: recorded once, nothing changes. */
    SAME(oms, omskit_record_tracking_event(
                  oms, tn1,
                  "{\"carrier_event_id\": \"evt-2\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-06T10:00:00Z\"}",
                  &json));
    CHECK(outcome_is(json, "false", "false", "in_transit"));
    omskit_string_free(json);
    /* An older event arriving late: kept in the history, the state stays. */
    json = track(oms, tn1, "evt-1", "picked_up", "2030-01-05T09:00:00Z", "");
    CHECK(outcome_is(json, "true", "false", "in_transit"));
    omskit_string_free(json);
    json = track(oms, tn1, "evt-3", "exception", "2030-01-06T12:00:00Z", "\"description\": \"box crushed\"");
    CHECK(outcome_is(json, "true", "false", "in_transit"));
    omskit_string_free(json);
    json = track(oms, tn1, "evt-4", "out_for_delivery", "2030-01-07T08:00:00Z", "");
    CHECK(outcome_is(json, "true", "true", "out_for_delivery"));
    omskit_string_free(json);
    json = track(oms, tn1, "evt-5", "delivered", "2030-01-07T15:04:05Z",
                 "\"proof\": {\"signed_by\": \"A. Lovelace\", \"photo_reference\": \"pod-1\"}");
    CHECK(outcome_is(json, "true", "true", "delivered"));
    CHECK(streq(JGET(json, "/fulfillment/shipment/delivered_at"), "2030-01-07T15:04:05Z"));
    CHECK(streq(JGET(json, "/fulfillment/shipment/proof/signed_by"), "A. Lovelace"));
    omskit_string_free(json);
    json = track(oms, tn1, "evt-6", "in_transit", "2030-01-08T08:00:00Z", ""); /* after delivery */
    CHECK(outcome_is(json, "true", "false", "delivered"));
    omskit_string_free(json);
    OK(omskit_record_tracking_event(
        oms, tn1, "{\"carrier_event_id\": \"evt-7\", \"kind\": \"label_created\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}",
        NULL));
    OK(omskit_tracking_events(oms, tn1, &json));
    CHECK(count(json, "\"carrier_event_id\":") == 7);
    CHECK(streq(JGET(json, "/0/carrier_event_id"), "evt-2") && streq(JGET(json, "/0/applied"), "true"));
    CHECK(streq(JGET(json, "/0/location"), "Memphis hub") && streq(JGET(json, "/0/tracking_number"), tn1));
    CHECK(streq(JGET(json, "/1/carrier_event_id"), "evt-1") && streq(JGET(json, "/1/applied"), "false"));
    CHECK(streq(JGET(json, "/2/kind"), "exception") && streq(JGET(json, "/2/applied"), "false"));
    CHECK(streq(JGET(json, "/3/applied"), "true") && streq(JGET(json, "/4/applied"), "true"));
    CHECK(streq(JGET(json, "/5/applied"), "false"));
    omskit_string_free(json);
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"ShipmentException\"") == 1);
    CHECK(count(json, "\"kind\":\"FulfillmentDelivered\"") == 1);
    CHECK(count(json, "\"kind\":\"PickConfirmed\"") == 4);
    CHECK(count(json, "\"kind\":\"FulfillmentShipped\"") == 4);
    CHECK(count(json, "\"kind\":\"StockShipped\"") == 5);
    omskit_string_free(json);

    /* Delivery confirmed by hand, once. */
    OK(omskit_confirm_delivery(oms, tn2, "{\"signed_by\": \"Ada\", \"photo_reference\": \"pod-2\", \"location\": \"front door\"}",
                               "2030-01-07T12:00:00Z", &json));
    CHECK(outcome_is(json, "true", "true", "delivered"));
    CHECK(streq(JGET(json, "/fulfillment/shipment/proof/location"), "front door"));
    omskit_string_free(json);
    SAME(oms, omskit_confirm_delivery(oms, tn2, "{\"signed_by\": \"Ada\", \"photo_reference\": \"pod-2\", \"location\": \"front door\"}",
                                      "2030-01-07T12:00:00Z", &json));
    CHECK(outcome_is(json, "false", "false", "delivered"));
    omskit_string_free(json);
    OK(omskit_tracking_events(oms, tn2, &json));
    CHECK(streq(JGET(json, "/0/carrier_event_id"), "delivery-confirmation"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, a, s), "delivered"));

    /* Condition readings of the third shipment. */
    OK(omskit_set_condition_thresholds(oms, tn3, "{\"min_temperature_c\": \"2\", \"max_temperature_c\": \"8\", \"max_shock_g\": \"5\"}",
                                       &json));
    CHECK(streq(JGET(json, "/shipment/thresholds/max_temperature_c"), "8"));
    omskit_string_free(json);
    out = (char *)"sentinel";
    OK(omskit_record_condition_reading(oms, tn3, "{\"kind\": \"temperature\", \"value\": \"5\", \"at\": \"2030-01-06T09:00:00Z\", \"sensor\": \"probe-1\"}",
                                       &out));
    CHECK(out == NULL); /* within the thresholds */
    OK(omskit_record_condition_reading(oms, tn3, "{\"kind\": \"temperature\", \"value\": \"9.5\", \"at\": \"2030-01-06T10:00:00Z\"}",
                                       &out));
    CHECK(contains(out, "9.5") && contains(out, "above 8"));
    omskit_string_free(out);
    OK(omskit_record_condition_reading(oms, tn3, "{\"kind\": \"shock\", \"value\": \"7\", \"at\": \"2030-01-06T11:00:00Z\"}", &out));
    CHECK(contains(out, "shock 7 g above 5 g"));
    omskit_string_free(out);
    OK(omskit_record_condition_reading(oms, tn3, "{\"kind\": \"temperature\", \"value\": \"1\", \"at\": \"2030-01-06T12:00:00Z\"}", NULL));
    OK(omskit_condition_readings(oms, tn3, &json));
    CHECK(count(json, "\"kind\":") == 4);
    CHECK(streq(JGET(json, "/0/sensor"), "probe-1") && streq(JGET(json, "/1/value"), "9.5"));
    CHECK(streq(JGET(json, "/2/kind"), "shock"));
    omskit_string_free(json);

    /* A failed delivery attempt, then success; the fourth shipment straight. */
    json = track(oms, tn3, "c-1", "in_transit", "2030-01-06T08:00:00Z", "");
    omskit_string_free(json);
    json = track(oms, tn3, "c-2", "out_for_delivery", "2030-01-07T08:00:00Z", "");
    omskit_string_free(json);
    json = track(oms, tn3, "c-3", "delivery_failed", "2030-01-07T18:00:00Z", "\"description\": \"nobody home\"");
    CHECK(outcome_is(json, "true", "true", "delivery_failed"));
    omskit_string_free(json);
    json = track(oms, tn3, "c-4", "out_for_delivery", "2030-01-08T08:00:00Z", "");
    CHECK(outcome_is(json, "true", "true", "out_for_delivery"));
    omskit_string_free(json);
    json = track(oms, tn3, "c-5", "delivered", "2030-01-08T10:00:00Z", "");
    CHECK(outcome_is(json, "true", "true", "delivered"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, b, s), "shipped"));
    OK(omskit_confirm_delivery(oms, tn4, "{}", "2030-01-08T11:00:00+01:00", &json));
    CHECK(streq(JGET(json, "/fulfillment/shipment/delivered_at"), "2030-01-08T10:00:00Z"));
    CHECK(streq(JGET(json, "/fulfillment/shipment/proof/signed_by"), "null"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, b, s), "delivered"));

    /* Nothing is late. */
    SAME(oms, omskit_check_delivery_promises(oms, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_check_delivery_promises(oms, NULL));

    /* Notifications from the log. */
    OK(omskit_notifications_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"order_confirmed\"") == 2);
    CHECK(count(json, "\"kind\":\"shipped\"") == 4);
    CHECK(count(json, "\"kind\":\"out_for_delivery\"") == 3);
    CHECK(count(json, "\"kind\":\"delivery_failed\"") == 1);
    CHECK(count(json, "\"kind\":\"delivered\"") == 4);
    CHECK(count(json, "\"kind\":\"delayed\"") == 0);
    CHECK(streq(JGET(json, "/notifications/0/kind"), "order_confirmed"));
    CHECK(streq(JGET(json, "/notifications/0/template_key"), "order_confirmed"));
    CHECK(streq(JGET(json, "/notifications/0/external_id"), "web-A"));
    CHECK(streq(JGET(json, "/notifications/0/recipient/email"), "ada@example.com"));
    CHECK(streq(JGET(json, "/notifications/0/tracking"), "null"));
    CHECK(streq(JGET(json, "/notifications/2/kind"), "shipped"));
    CHECK(streq(JGET(json, "/notifications/2/tracking/tracking_number"), tn1));
    char cursor[32], events_json_last[32];
    jget(json, "/cursor", cursor, sizeof cursor);
    omskit_string_free(json);
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    snprintf(buf, sizeof buf, "/%zu/seq", count(json, "\"seq\":") - 1);
    jget(json, buf, events_json_last, sizeof events_json_last);
    CHECK(streq(cursor, events_json_last));
    /* notification_for: a shipment event calls for one, a stock event not. */
    int shipped_at = -1;
    for (int i = 0; i < 200 && shipped_at < 0; i++) {
        snprintf(buf, sizeof buf, "/%d/kind", i);
        if (streq(JGET(json, buf), "FulfillmentShipped")) shipped_at = i;
    }
    CHECK(shipped_at > 0);
    snprintf(buf, sizeof buf, "/%d", shipped_at);
    char *event = NULL;
    OK(omskit_json_get(json, buf, &event));
    OK(omskit_notification_for(oms, event, &out));
    CHECK(streq(JGET(out, "/kind"), "shipped") && streq(JGET(out, "/tracking/tracking_number"), tn1));
    CHECK(streq(JGET(out, "/recipient/name"), "Ada Lovelace") && streq(JGET(out, "/order_id"), a));
    omskit_string_free(out);
    omskit_string_free(event);
    OK(omskit_json_get(json, "/2", &event)); /* StockReceived */
    out = (char *)"sentinel";
    OK(omskit_notification_for(oms, event, &out));
    CHECK(out == NULL);
    omskit_string_free(event);
    omskit_string_free(json);
    OK(omskit_notifications_since(oms, (uint64_t)strtoull(cursor, NULL, 10), 10, &json));
    CHECK(streq(JGET(json, "/notifications"), "[]") && streq(JGET(json, "/cursor"), cursor));
    omskit_string_free(json);
    OK(omskit_notifications_since(oms, 0, 3, &json)); /* pages by events examined */
    CHECK(streq(JGET(json, "/cursor"), "3") && count(json, "\"kind\":") == 0);
    omskit_string_free(json);

    /* Hold, release and cancel a fulfilment order. */
    place(oms, "web-C", "[{\"sku\": \"TEE\", \"quantity\": 1, \"unit_price\": \"19.99\"}]", c);
    fulfil_one(oms, c, fc);
    OK(omskit_hold_fulfillment(oms, fc, "address check", &json));
    CHECK(streq(JGET(json, "/status"), "on_hold") && streq(JGET(json, "/held_from"), "ready"));
    CHECK(streq(JGET(json, "/reason"), "address check"));
    omskit_string_free(json);
    snprintf(buf, sizeof buf, "[\"%s\"]", fc);
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", buf, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_hold_fulfillment(oms, fc, "again", &json), OMSKIT_STATUS_INVALID_TRANSITION);
    OK(omskit_release_fulfillment(oms, fc, &json));
    CHECK(streq(JGET(json, "/status"), "ready") && streq(JGET(json, "/held_from"), "null"));
    omskit_string_free(json);
    pick_list_of(oms, "WH-EAST", fc);
    OK(omskit_hold_fulfillment(oms, fc, "customer called", NULL));
    CHECK(streq(fulfillment_status(oms, fc, s), "on_hold"));
    OK(omskit_release_fulfillment(oms, fc, NULL));
    CHECK(streq(fulfillment_status(oms, fc, s), "picking"));
    OK(omskit_cancel_fulfillment(oms, fc, "customer moved", &json));
    CHECK(streq(JGET(json, "/status"), "cancelled") && streq(JGET(json, "/reason"), "customer moved"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, c, s), "placed"));
    BAD(oms, omskit_release_fulfillment(oms, fc, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_cancel_fulfillment(oms, fc, "again", &json), OMSKIT_STATUS_INVALID_TRANSITION);
    stock(oms, "TEE", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 8 && reserved == 1); /* still reserved for the order */
    fulfil_one(oms, c, fc); /* a new fulfilment order */
    OK(omskit_fulfillments(oms, c, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    omskit_string_free(json);
    OK(omskit_cancel_order(oms, c, "changed their mind", NULL));
    CHECK(streq(fulfillment_status(oms, fc, s), "cancelled"));
    stock(oms, "TEE", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 8 && reserved == 0);

    /* A pick that finds nothing, with no stock elsewhere: the fulfilment
     * order is cancelled and the units go into a pending one at the same
     * location, reserved nowhere (test_pending allocates such units). */
    place(oms, "web-D", "[{\"sku\": \"TEE\", \"quantity\": 2, \"unit_price\": \"19.99\"}]", d);
    fulfil_one(oms, d, fd);
    pick_list_of(oms, "WH-EAST", fd);
    OK(omskit_confirm_pick(oms, fd, "[{\"line_id\": 1, \"quantity\": 0}]", &json));
    CHECK(streq(JGET(json, "/status"), "cancelled") && contains(JGET(json, "/reason"), "nothing picked"));
    omskit_string_free(json);
    stock(oms, "TEE", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 6 && reserved == 0);
    OK(omskit_fulfillments(oms, d, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/1/status"), "pending") && streq(JGET(json, "/1/location"), "WH-EAST"));
    CHECK(streq(JGET(json, "/1/lines/0/sku"), "TEE") && streq(JGET(json, "/1/lines/0/quantity"), "2"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, d, s), "processing")); /* the pending one is open */
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"UnitsUnfulfilled\"") == 1);
    omskit_string_free(json);
    SAME(oms, omskit_fulfil(oms, d, &json)); /* the pending one has the units */
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Every movement balances: East and West mugs all shipped. */
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 0 && reserved == 0);
    stock(oms, "MUG", "WH-WEST", &on_hand, &reserved);
    CHECK(on_hand == 7 && reserved == 0);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);
    untrack_all();
}

/* ------------------------------------------------ pending fulfilment orders */

/* The index of the last event of `kind` in an omskit_events_since array, or -1. */
static int last_event(const char *events, const char *kind) {
    char pointer[32], k[64];
    for (int i = (int)count(events, "\"seq\":") - 1; i >= 0; i--) {
        snprintf(pointer, sizeof pointer, "/%d/kind", i);
        if (streq(jget(events, pointer, k, sizeof k), kind)) return i;
    }
    return -1;
}

/* The sequence number of the last event committed. */
static uint64_t last_seq(const omskit_oms *oms) {
    char *json = NULL, pointer[32], seq[32];
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    snprintf(pointer, sizeof pointer, "/%zu/seq", count(json, "\"seq\":") - 1);
    jget(json, pointer, seq, sizeof seq);
    omskit_string_free(json);
    return (uint64_t)strtoull(seq, NULL, 10);
}

/* A short pick that finds no stock anywhere puts the missing units into a
 * pending fulfilment order at the picking location (reserved nowhere,
 * listed by omskit_pending_fulfillments, neither pickable nor holdable).
 * Allocating it without stock for every line is refused and changes
 * nothing; once stock is back it becomes ready where its first line is
 * reserved, and the units reserved at another location go into a new ready
 * fulfilment order (a split); then everything ships. A cancelled pending
 * one leaves its units reserved nowhere, and omskit_fulfil puts them into
 * a new pending one. */
static void test_pending(void) {
    omskit_oms *oms = NULL;
    char p[64], q[64], fp[64], fq[64], pending_p[64], pending_q[64], again_q[64], west[64];
    char s[64], buf[512], tn[64];
    char *json = NULL;
    int64_t on_hand = -1, reserved = -1;
    untrack_all();

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_add_location(oms, "WH-WEST", "West DC", 2));
    OK(omskit_register_standard_carrier(oms, "USD"));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 3, "PO-1"));
    OK(omskit_receive_stock(oms, "TEE", "WH-EAST", 2, "PO-1"));
    OK(omskit_receive_stock(oms, "CUP", "WH-EAST", 2, "PO-1"));
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Order P: 3 mugs and 2 tees; the pick finds 1 of each, and no other
     * location has any. */
    place(oms, "pend-P", "[{\"sku\": \"MUG\", \"quantity\": 3, \"unit_price\": \"12.50\"},"
                         " {\"sku\": \"TEE\", \"quantity\": 2, \"unit_price\": \"19.99\"}]", p);
    fulfil_one(oms, p, fp);
    pick_list_of(oms, "WH-EAST", fp);
    OK(omskit_confirm_pick(oms, fp, "[{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 2, \"quantity\": 1}]",
                           &json));
    CHECK(streq(JGET(json, "/status"), "picked") && streq(JGET(json, "/lines/0/quantity"), "1"));
    omskit_string_free(json);
    OK(omskit_fulfillments(oms, p, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/1/status"), "pending") && streq(JGET(json, "/1/location"), "WH-EAST"));
    CHECK(streq(JGET(json, "/1/lines/0/sku"), "MUG") && streq(JGET(json, "/1/lines/0/quantity"), "2"));
    CHECK(streq(JGET(json, "/1/lines/1/sku"), "TEE") && streq(JGET(json, "/1/lines/1/quantity"), "1"));
    CHECK(streq(JGET(json, "/1/lines/1/line_id"), "2") && streq(JGET(json, "/1/lines/2"), ""));
    CHECK(streq(JGET(json, "/1/held_from"), "null") && streq(JGET(json, "/1/shipment"), "null"));
    jget(json, "/1/id", pending_p, sizeof pending_p);
    omskit_string_free(json);
    CHECK(strlen(pending_p) == 36);
    CHECK(streq(order_status(oms, p, s), "processing"));
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 1 && reserved == 1); /* 2 written off; the pending one reserves nothing */
    stock(oms, "TEE", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 1 && reserved == 1);
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"UnitsUnfulfilled\"") == 2);
    snprintf(buf, sizeof buf, "/%d/payload", last_event(json, "FulfillmentCreated"));
    CHECK(contains(JGET(json, buf), "\"status\":\"pending\"") && contains(jbuf, pending_p));
    omskit_string_free(json);

    /* Listed as pending; it cannot be picked or held; fulfilling again
     * finds nothing new. */
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), pending_p));
    CHECK(streq(JGET(json, "/0/status"), "pending") && streq(JGET(json, "/0/order_id"), p));
    omskit_string_free(json);
    snprintf(buf, sizeof buf, "[\"%s\"]", pending_p);
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", buf, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"pending\",\"action\":\"start_picking\""));
    BAD(oms, omskit_hold_fulfillment(oms, pending_p, "wait", &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"pending\",\"action\":\"hold\""));
    SAME(oms, omskit_fulfil(oms, p, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Order Q: 2 cups, none picked: its fulfilment order is cancelled and
     * the cups go into a pending one. */
    place(oms, "pend-Q", "[{\"sku\": \"CUP\", \"quantity\": 2, \"unit_price\": \"4.00\"}]", q);
    fulfil_one(oms, q, fq);
    pick_list_of(oms, "WH-EAST", fq);
    OK(omskit_confirm_pick(oms, fq, "[{\"line_id\": 1, \"quantity\": 0}]", NULL));
    CHECK(streq(fulfillment_status(oms, fq, s), "cancelled"));
    OK(omskit_fulfillments(oms, q, &json));
    CHECK(streq(JGET(json, "/1/status"), "pending") && streq(JGET(json, "/1/lines/0/quantity"), "2"));
    jget(json, "/1/id", pending_q, sizeof pending_q);
    omskit_string_free(json);

    /* The queue: oldest first, paged by id. */
    OK(omskit_pending_fulfillments(oms, NULL, SIZE_MAX, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/0/id"), pending_p) && streq(JGET(json, "/1/id"), pending_q));
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, NULL, 1, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), pending_p));
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, pending_p, 10, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), pending_q));
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, pending_q, 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, NULL, 0, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* Cancelling the pending one moves no stock; fulfilling the order again
     * puts the cups, reserved nowhere, into a new pending one. */
    OK(omskit_cancel_fulfillment(oms, pending_q, "re-plan", &json));
    CHECK(streq(JGET(json, "/status"), "cancelled") && streq(JGET(json, "/reason"), "re-plan"));
    omskit_string_free(json);
    stock(oms, "CUP", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 0 && reserved == 0);
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), pending_p));
    omskit_string_free(json);
    OK(omskit_fulfil(oms, q, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/status"), "pending"));
    CHECK(streq(JGET(json, "/0/location"), "WH-EAST") && streq(JGET(json, "/0/lines/0/quantity"), "2"));
    jget(json, "/0/id", again_q, sizeof again_q);
    omskit_string_free(json);
    CHECK(strlen(again_q) == 36 && !streq(again_q, pending_q));
    CHECK(streq(order_status(oms, q, s), "processing"));

    /* A tee comes back, but no mug: allocation reserves all or nothing. */
    OK(omskit_receive_stock(oms, "TEE", "WH-WEST", 1, "PO-2"));
    json = (char *)"sentinel";
    BAD(oms, omskit_allocate_fulfillment(oms, pending_p, &json), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(json == NULL);
    CHECK(streq(JGET(bad_json, "/sku"), "MUG") && streq(JGET(bad_json, "/requested"), "2"));
    CHECK(streq(JGET(bad_json, "/shortages/0/sku"), "MUG") && streq(JGET(bad_json, "/shortages/0/available"), "0"));
    CHECK(streq(JGET(bad_json, "/shortages/1"), "")); /* the tee could be reserved */
    BAD(oms, omskit_allocate_fulfillment(oms, again_q, NULL), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(streq(JGET(bad_json, "/sku"), "CUP"));
    /* Only a pending one can be allocated. */
    BAD(oms, omskit_allocate_fulfillment(oms, fp, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"entity\":\"fulfillment order\""));
    CHECK(contains(bad_json, "\"from\":\"picked\",\"action\":\"allocate\""));
    BAD(oms, omskit_allocate_fulfillment(oms, pending_q, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"cancelled\",\"action\":\"allocate\""));
    BAD(oms, omskit_allocate_fulfillment(oms, UNKNOWN_ID, &json), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"fulfillment order\"") && contains(bad_json, UNKNOWN_ID));

    /* Mugs come back at both locations: the East DC (priority 1) has one,
     * so the second mug and the tee come from the West DC. */
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 1, "PO-2"));
    OK(omskit_receive_stock(oms, "MUG", "WH-WEST", 4, "PO-2"));
    uint64_t before = last_seq(oms);
    OK(omskit_allocate_fulfillment(oms, pending_p, &json));
    CHECK(count(json, "\"order_id\":") == 2);
    CHECK(streq(JGET(json, "/0/id"), pending_p) && streq(JGET(json, "/0/status"), "ready"));
    CHECK(streq(JGET(json, "/0/location"), "WH-EAST") && streq(JGET(json, "/0/lines/0/sku"), "MUG"));
    CHECK(streq(JGET(json, "/0/lines/0/quantity"), "1") && streq(JGET(json, "/0/lines/1"), ""));
    CHECK(streq(JGET(json, "/1/status"), "ready") && streq(JGET(json, "/1/location"), "WH-WEST"));
    CHECK(streq(JGET(json, "/1/order_id"), p) && streq(JGET(json, "/1/lines/0/sku"), "MUG"));
    CHECK(streq(JGET(json, "/1/lines/0/quantity"), "1") && streq(JGET(json, "/1/lines/1/sku"), "TEE"));
    CHECK(streq(JGET(json, "/1/lines/1/line_id"), "2") && streq(JGET(json, "/1/lines/1/quantity"), "1"));
    jget(json, "/1/id", west, sizeof west);
    omskit_string_free(json);
    OK(omskit_events_since(oms, before, SIZE_MAX, &json));
    CHECK(count(json, "\"seq\":") == 3);
    CHECK(streq(JGET(json, "/0/kind"), "StockReserved") && streq(JGET(json, "/1/kind"), "FulfillmentStatusChanged"));
    CHECK(streq(JGET(json, "/2/kind"), "FulfillmentCreated"));
    CHECK(contains(JGET(json, "/1/payload"), "\"action\":\"allocate\"") && contains(jbuf, "reserved at WH-EAST"));
    CHECK(contains(JGET(json, "/2/payload"), "\"status\":\"ready\"") && contains(jbuf, west));
    omskit_string_free(json);
    CHECK(streq(fulfillment_status(oms, pending_p, s), "ready"));
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 2 && reserved == 2);
    stock(oms, "MUG", "WH-WEST", &on_hand, &reserved);
    CHECK(on_hand == 4 && reserved == 1);
    stock(oms, "TEE", "WH-WEST", &on_hand, &reserved);
    CHECK(on_hand == 1 && reserved == 1);
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), again_q));
    omskit_string_free(json);
    BAD(oms, omskit_allocate_fulfillment(oms, pending_p, &json), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"ready\",\"action\":\"allocate\""));
    CHECK(streq(order_status(oms, p, s), "processing"));

    /* Everything of order P ships. */
    OK(omskit_pack(oms, fp,
                   "[{\"id\": \"P-1\", \"weight_kg\": \"0.8\", \"length_cm\": \"20\", \"width_cm\": \"20\","
                   " \"height_cm\": \"10\", \"lines\": [{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 2, \"quantity\": 1}]}]",
                   NULL));
    ship(oms, fp, "table-rate", "ground", tn);
    CHECK(streq(order_status(oms, p, s), "partially_shipped"));
    pick_and_pack(oms, "WH-EAST", pending_p, 1, 1);
    ship(oms, pending_p, "table-rate", "ground", tn);
    pick_list_of(oms, "WH-WEST", west);
    OK(omskit_confirm_pick(oms, west, "[{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 2, \"quantity\": 1}]", NULL));
    OK(omskit_pack(oms, west,
                   "[{\"id\": \"P-3\", \"weight_kg\": \"0.8\", \"length_cm\": \"20\", \"width_cm\": \"20\","
                   " \"height_cm\": \"10\", \"lines\": [{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 2, \"quantity\": 1}]}]",
                   NULL));
    ship(oms, west, "table-rate", "express", tn);
    CHECK(streq(order_status(oms, p, s), "shipped"));
    stock(oms, "MUG", "WH-EAST", &on_hand, &reserved);
    CHECK(on_hand == 0 && reserved == 0);
    stock(oms, "MUG", "WH-WEST", &on_hand, &reserved);
    CHECK(on_hand == 3 && reserved == 0);

    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);
    untrack_all();
}

/* --------------------------------------------------------------- diagrams */

static void test_diagrams(void) {
    char *text = NULL;
    OK(omskit_state_diagram("order", OMSKIT_DIAGRAM_FORMAT_MERMAID, &text));
    CHECK(text != NULL && strncmp(text, "stateDiagram-v2\n    [*] --> placed\n", 35) == 0);
    CHECK(contains(text, "processing --> partially_shipped : ship"));
    CHECK(contains(text, "delivered --> [*]"));
    omskit_string_free(text);
    OK(omskit_state_diagram("fulfillment", OMSKIT_DIAGRAM_FORMAT_MERMAID, &text));
    CHECK(contains(text, "[*] --> ready") && contains(text, "packed --> shipped : ship"));
    CHECK(contains(text, "[*] --> pending") && contains(text, "pending --> ready : allocate"));
    CHECK(contains(text, "pending --> cancelled : cancel"));
    CHECK(contains(text, "on_hold --> picking : release"));
    omskit_string_free(text);
    OK(omskit_state_diagram("order", OMSKIT_DIAGRAM_FORMAT_DOT, &text));
    CHECK(text != NULL && strncmp(text, "digraph order {", 15) == 0);
    CHECK(contains(text, "\"shipped\" -> \"delivered\" [label=\"deliver\"];"));
    omskit_string_free(text);
    OK(omskit_state_diagram("fulfillment", OMSKIT_DIAGRAM_FORMAT_DOT, &text));
    CHECK(contains(text, "digraph fulfillment {") && contains(text, "\"cancelled\" [shape=doublecircle];"));
    omskit_string_free(text);
    CHECK((int)OMSKIT_DIAGRAM_FORMAT_MERMAID == 0 && (int)OMSKIT_DIAGRAM_FORMAT_DOT == 1);
}

/* -------------------------------------------------------- carriers in C */

/* The state of a carrier implemented in this file. */
typedef struct {
    const omskit_oms *oms;
    int quote_status;         /* what quote returns */
    const char *quote_reply;  /* what quote answers (NULL: nothing) */
    int label_status;
    const char *label_reply;  /* NULL: a label with a new tracking number */
    const char *label_prefix; /* of generated tracking numbers */
    const char *promised;     /* promised delivery of generated labels */
    int void_status;
    int quotes, labels, voids, frees, reentered;
    char last_request[4096];
    char last_service[64];
    char last_void[64];
} fake;

static const char *const ACME_QUOTES =
    "[{\"service\": \"overnight\", \"cost\": \"24.00\", \"currency\": \"USD\", \"transit_days\": 1,"
    "  \"promised_delivery\": \"2030-01-02T23:59:59Z\"},"
    " {\"service\": \"saver\", \"cost\": \"3.00\", \"currency\": \"USD\", \"transit_days\": 9,"
    "  \"promised_delivery\": \"2030-01-20T23:59:59Z\", \"carrier\": \"ignored\"}]";

static char *copy(const char *text) {
    return text == NULL ? NULL : strdup(text);
}

static int32_t fake_quote(const char *request_json, void *user_data, char **out_json) {
    fake *f = user_data;
    f->quotes++;
    snprintf(f->last_request, sizeof f->last_request, "%s", request_json);
    /* A callback may call back into the engine. */
    char *names = NULL;
    if (omskit_carriers(f->oms, &names) == OMSKIT_STATUS_OK && names != NULL) f->reentered++;
    omskit_string_free(names);
    *out_json = copy(f->quote_reply);
    return f->quote_status;
}

static int32_t fake_label(const char *request_json, const char *service, void *user_data,
                          char **out_json) {
    fake *f = user_data;
    f->labels++;
    snprintf(f->last_request, sizeof f->last_request, "%s", request_json);
    snprintf(f->last_service, sizeof f->last_service, "%s", service);
    if (f->label_reply != NULL || f->label_status != OMSKIT_STATUS_OK) {
        *out_json = copy(f->label_reply);
        return f->label_status;
    }
    char label[512];
    snprintf(label, sizeof label,
             "{\"tracking_number\": \"%s-%04d\", \"label_reference\": \"lbl-%d\", \"cost\": \"24.00\","
             " \"currency\": \"USD\", \"promised_delivery\": \"%s\"}",
             f->label_prefix, f->labels, f->labels, f->promised);
    *out_json = copy(label);
    return OMSKIT_STATUS_OK;
}

static int32_t fake_void(const char *tracking_number, void *user_data, char **out_error) {
    fake *f = user_data;
    f->voids++;
    snprintf(f->last_void, sizeof f->last_void, "%s", tracking_number);
    if (f->void_status != OMSKIT_STATUS_OK) *out_error = copy("cannot void");
    return f->void_status;
}

static void fake_free(void *user_data) {
    ((fake *)user_data)->frees++;
}

static void fake_init(fake *f, const omskit_oms *oms, const char *prefix, const char *promised) {
    memset(f, 0, sizeof *f);
    f->oms = oms;
    f->quote_reply = ACME_QUOTES;
    f->label_prefix = prefix;
    f->promised = promised;
}

static omskit_carrier carrier_of(const char *name, fake *f) {
    omskit_carrier c = {name, f, fake_quote, fake_label, fake_void, fake_free, NULL};
    return c;
}

/* An order of one mug, fulfilled, picked and packed at the East DC. */
static void packed_mug(const omskit_oms *oms, const char *external_id, char *order_id, char *fid) {
    place(oms, external_id, "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"12.50\"}]", order_id);
    fulfil_one(oms, order_id, fid);
    pick_and_pack(oms, "WH-EAST", fid, 1, 1);
}

/* A failing quote of the carrier `f`, checked through omskit_quote_shipment. */
static void quote_fails(const omskit_oms *oms, fake *f, const char *fid, int status, const char *reply,
                        omskit_status want, const char *message_part, int line) {
    f->quote_status = status;
    f->quote_reply = reply;
    char *out = (char *)"sentinel";
    snapshot before;
    snap(oms, &before);
    omskit_status got = omskit_quote_shipment(oms, fid, &out);
    unchanged_(oms, &before, got, want, "omskit_quote_shipment (failing carrier)", __FILE__, line);
    check_(out == NULL, "the out-parameter is NULL after a failure", __FILE__, line);
    if (message_part != NULL) {
        check_(contains(bad_message, message_part), "the message says why", __FILE__, line);
        if (!contains(bad_message, message_part)) fprintf(stderr, "    message: %s\n", bad_message);
    }
}

/* services_json: a listed service the carrier does not quote for a
 * shipment is a validation error on `service`; an unlisted one is not
 * found; a malformed list is refused at registration. */
static void test_c_carrier_services(void) {
    omskit_oms *oms = NULL;
    fake listed;
    char o1[64], f1[64], s[64];
    char *json = NULL;
    untrack_all();

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 20, "PO-1"));
    fake_init(&listed, oms, "LST", "2030-01-02T23:59:59Z");
    omskit_carrier c = carrier_of("listed", &listed);

    c.services_json = "{\"name\": \"overnight\"}";
    EXPECT(omskit_register_carrier(oms, &c), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(omskit_last_error_field(), "carrier.services_json"));
    c.services_json = "[{\"name\": \"overnight\", \"transit_days\": 1},"
                      " {\"name\": \"overnight\", \"transit_days\": 2}]";
    EXPECT(omskit_register_carrier(oms, &c), OMSKIT_STATUS_VALIDATION);
    CHECK(streq(omskit_last_error_field(), "carrier.services_json[1].name"));
    CHECK(listed.frees == 0); /* refused: user_data is still the caller's */
    OK(omskit_carriers(oms, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);

    /* ACME_QUOTES quote overnight and saver; freight is listed but not quoted. */
    c.services_json = "[{\"name\": \"overnight\", \"transit_days\": 1},"
                      " {\"name\": \"saver\", \"transit_days\": 9},"
                      " {\"name\": \"freight\", \"transit_days\": 4}]";
    OK(omskit_register_carrier(oms, &c));
    packed_mug(oms, "web-s1", o1, f1);
    BAD(oms, omskit_ship(oms, f1, "listed", "freight", &json), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("service");
    BAD(oms, omskit_ship(oms, f1, "listed", "teleport", &json), OMSKIT_STATUS_NOT_FOUND);
    CHECK(listed.labels == 0);
    CHECK(streq(fulfillment_status(oms, f1, s), "packed"));
    OK(omskit_ship(oms, f1, "listed", "saver", &json));
    CHECK(streq(JGET(json, "/shipment/service"), "saver"));
    omskit_string_free(json);
    track_number("LST-0001");
    omskit_oms_free(oms);
    CHECK(listed.frees == 1);
}

static void test_c_carriers(void) {
    omskit_oms *oms = NULL;
    fake acme, broken, late, spare, unused;
    char o1[64], o2[64], o3[64], o4[64], f1[64], f2[64], f3[64], f4[64], tn[64], s[64];
    char *json = NULL;
    untrack_all();

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 20, "PO-1"));
    OK(omskit_register_standard_carrier(oms, "USD"));
    fake_init(&acme, oms, "ACME", "2030-01-02T23:59:59Z");
    omskit_carrier c = carrier_of("acme", &acme);
    OK(omskit_register_carrier(oms, &c));
    OK(omskit_carriers(oms, &json));
    CHECK(streq(json, "[\"acme\",\"table-rate\"]"));
    omskit_string_free(json);

    /* Quotes from both carriers, cheapest first; omskit names the carrier. */
    packed_mug(oms, "web-1", o1, f1);
    OK(omskit_quote_shipment(oms, f1, &json));
    CHECK(count(json, "\"service\":") == 4);
    CHECK(streq(JGET(json, "/0/carrier"), "acme") && streq(JGET(json, "/0/service"), "saver"));
    CHECK(streq(JGET(json, "/0/cost"), "3.00") && count(json, "\"carrier\":\"acme\"") == 2);
    CHECK(count(json, "ignored") == 0);
    omskit_string_free(json);
    CHECK(acme.quotes == 1 && acme.reentered == 1);
    CHECK(contains(acme.last_request, "\"origin\":\"WH-EAST\"") && contains(acme.last_request, "\"country\":\"US\""));
    CHECK(contains(acme.last_request, "\"parcels\":[{\"weight_kg\":\"0.4\""));

    /* Ship with the C carrier by service, then by rate shopping. */
    OK(omskit_ship(oms, f1, "acme", "overnight", &json));
    CHECK(streq(JGET(json, "/shipment/tracking_number"), "ACME-0001"));
    CHECK(streq(JGET(json, "/shipment/carrier"), "acme") && streq(JGET(json, "/shipment/label_reference"), "lbl-1"));
    CHECK(streq(JGET(json, "/shipment/promised_delivery"), "2030-01-02T23:59:59Z"));
    CHECK(streq(JGET(json, "/shipment/cost"), "24.00"));
    omskit_string_free(json);
    track_number("ACME-0001");
    CHECK(acme.labels == 1 && streq(acme.last_service, "overnight"));
    packed_mug(oms, "web-2", o2, f2);
    OK(omskit_ship_with(oms, f2, "{\"rule\": \"cheapest\"}", &json));
    CHECK(streq(JGET(json, "/shipment/service"), "saver") && streq(JGET(json, "/shipment/tracking_number"), "ACME-0002"));
    omskit_string_free(json);
    track_number("ACME-0002");

    /* A label whose tracking number is taken: the shipment cannot be
     * recorded, so the label is voided and nothing changes. */
    packed_mug(oms, "web-3", o3, f3);
    acme.label_reply = "{\"tracking_number\": \"ACME-0001\", \"label_reference\": \"lbl-x\", \"cost\": \"24.00\","
                       " \"currency\": \"USD\", \"promised_delivery\": \"2030-01-02T23:59:59Z\"}";
    acme.void_status = OMSKIT_STATUS_STORAGE; /* a failed void is not the caller's error */
    BAD(oms, omskit_ship(oms, f3, "acme", "overnight", &json), OMSKIT_STATUS_CONFLICT);
    FIELD_IS("tracking_number");
    CHECK(acme.voids == 1 && streq(acme.last_void, "ACME-0001"));
    CHECK(streq(fulfillment_status(oms, f3, s), "packed"));
    acme.label_reply = NULL;
    acme.void_status = OMSKIT_STATUS_OK;

    /* A carrier whose callbacks fail: every failure is an omskit error of
     * the call, and nothing changes. */
    fake_init(&broken, oms, "BRK", "2030-01-02T23:59:59Z");
    c = carrier_of("broken", &broken);
    OK(omskit_register_carrier(oms, &c));
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_VALIDATION,
                "{\"message\": \"no service to 62701\", \"field\": \"destination.postal_code\"}",
                OMSKIT_STATUS_VALIDATION, "no service to 62701", __LINE__);
    FIELD_IS("destination.postal_code");
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_VALIDATION, "address not serviceable",
                OMSKIT_STATUS_VALIDATION, "address not serviceable", __LINE__);
    FIELD_IS("carrier");
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_VALIDATION, NULL, OMSKIT_STATUS_VALIDATION,
                "broken", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_STORAGE, "timeout after 30 s", OMSKIT_STATUS_STORAGE,
                "timeout after 30 s", __LINE__);
    CHECK(contains(bad_json, "\"retryable\":true"));
    quote_fails(oms, &broken, f3, 99, "what", OMSKIT_STATUS_STORAGE, "99", __LINE__);
    CHECK(contains(bad_json, "\"retryable\":false") && contains(bad_message, "UNKNOWN"));
    quote_fails(oms, &broken, f3, -1, NULL, OMSKIT_STATUS_STORAGE, "-1", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_PANIC, "oops", OMSKIT_STATUS_STORAGE, "PANIC", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_INVALID_TRANSITION, "?", OMSKIT_STATUS_STORAGE,
                "INVALID_TRANSITION", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_NOT_FOUND, NULL, OMSKIT_STATUS_NOT_FOUND, "broken", __LINE__);
    CHECK(contains(bad_json, "\"entity\":\"carrier\""));
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_CONFLICT, "{\"message\": \"rate changed\", \"field\": \"cost\"}",
                OMSKIT_STATUS_CONFLICT, "rate changed", __LINE__);
    FIELD_IS("cost");
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, "not json", OMSKIT_STATUS_STORAGE, "broken", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, NULL, OMSKIT_STATUS_STORAGE, "nothing", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, "{\"service\": \"x\"}", OMSKIT_STATUS_STORAGE,
                "wrong shape", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, "[{\"service\": \"x\"}]", OMSKIT_STATUS_STORAGE,
                "wrong shape", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK,
                "[{\"service\": \"x\", \"cost\": \"1\", \"currency\": \"USD\", \"transit_days\": 1,"
                " \"promised_delivery\": \"someday\"}]",
                OMSKIT_STATUS_STORAGE, "promised_delivery", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, "[\"\xff\"]", OMSKIT_STATUS_STORAGE, "UTF-8", __LINE__);
    quote_fails(oms, &broken, f3, OMSKIT_STATUS_OK, "[] trailing", OMSKIT_STATUS_STORAGE, "broken", __LINE__);
    /* A failing quote stops rate shopping too, before any label is bought. */
    broken.quote_status = OMSKIT_STATUS_STORAGE;
    broken.quote_reply = "down";
    int labels = acme.labels;
    BAD(oms, omskit_ship_with(oms, f3, "{\"rule\": \"cheapest\"}", &json), OMSKIT_STATUS_STORAGE);
    CHECK(acme.labels == labels);
    /* Quotes work, labels do not. */
    broken.quote_status = OMSKIT_STATUS_OK;
    broken.quote_reply = "[{\"service\": \"std\", \"cost\": \"1.00\", \"currency\": \"USD\", \"transit_days\": 3,"
                         " \"promised_delivery\": \"2030-01-05T23:59:59Z\"}]";
    broken.label_status = OMSKIT_STATUS_NOT_FOUND;
    BAD(oms, omskit_ship(oms, f3, "broken", "std", &json), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"carrier service\"") && contains(bad_json, "\"id\":\"broken/std\""));
    CHECK(broken.labels == 1 && streq(broken.last_service, "std"));
    BAD(oms, omskit_ship(oms, f3, "broken", "teleport", &json), OMSKIT_STATUS_NOT_FOUND);
    CHECK(broken.labels == 1); /* a service not quoted is not asked for */
    broken.label_status = OMSKIT_STATUS_VALIDATION;
    broken.label_reply = "{\"message\": \"parcel too long\", \"field\": \"parcels[0].length_cm\"}";
    BAD(oms, omskit_ship_with(oms, f3, "{\"rule\": \"cheapest\"}", &json), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("parcels[0].length_cm");
    broken.label_status = OMSKIT_STATUS_OK;
    broken.label_reply = "{\"tracking_number\": \"BRK-1\"}";
    BAD(oms, omskit_ship(oms, f3, "broken", "std", &json), OMSKIT_STATUS_STORAGE);
    CHECK(contains(bad_message, "create_label"));
    broken.label_reply = "{\"tracking_number\": \"\", \"label_reference\": \"l\", \"cost\": \"1.00\","
                         " \"currency\": \"USD\", \"promised_delivery\": \"2030-01-05T23:59:59Z\"}";
    /* A label with an unusable tracking number is voided and refused. */
    BAD(oms, omskit_ship(oms, f3, "broken", "std", &json), OMSKIT_STATUS_STORAGE);
    CHECK(contains(bad_message, "tracking number"));
    CHECK(broken.voids == 1 && streq(broken.last_void, ""));
    CHECK(broken.frees == 0);

    /* Replacing a carrier releases the old one's user data. */
    fake_init(&spare, oms, "SPR", "2030-01-02T23:59:59Z");
    spare.quote_reply = "[]";
    c = carrier_of("broken", &spare);
    OK(omskit_register_carrier(oms, &c));
    CHECK(broken.frees == 1 && spare.frees == 0);
    OK(omskit_carriers(oms, &json));
    CHECK(streq(json, "[\"acme\",\"broken\",\"table-rate\"]"));
    omskit_string_free(json);

    /* A carrier that promises the past: the shipment is late at once. */
    fake_init(&late, oms, "LATE", "2020-01-02T23:59:59Z");
    late.quote_reply = "[{\"service\": \"slow\", \"cost\": \"2.00\", \"currency\": \"USD\", \"transit_days\": 3,"
                       " \"promised_delivery\": \"2020-01-02T23:59:59Z\"}]";
    c = carrier_of("late", &late);
    c.free_user_data = NULL; /* optional */
    OK(omskit_register_carrier(oms, &c));
    packed_mug(oms, "web-4", o4, f4);
    ship(oms, f4, "late", "slow", tn);
    CHECK(streq(tn, "LATE-0001"));
    OK(omskit_check_delivery_promises(oms, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), f4));
    CHECK(streq(JGET(json, "/0/shipment/delay_notified"), "true"));
    omskit_string_free(json);
    SAME(oms, omskit_check_delivery_promises(oms, &json)); /* once per shipment */
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    OK(omskit_notifications_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"delayed\"") == 1);
    omskit_string_free(json);
    OK(omskit_events_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"ShipmentDelayed\"") == 1);
    omskit_string_free(json);

    /* Carriers quoting in two currencies cannot be rate-shopped. */
    OK(omskit_register_table_rate_carrier(
        oms, "{\"name\": \"eu-post\", \"currency\": \"EUR\","
             " \"zones\": [{\"name\": \"world\", \"countries\": [\"*\"]}],"
             " \"services\": [{\"name\": \"economy\", \"transit_days\": 6}],"
             " \"rates\": [{\"service\": \"economy\", \"zone\": \"world\", \"up_to_kg\": \"30\", \"price\": \"9.90\"}]}"));
    CHECK(streq(fulfillment_status(oms, f3, s), "packed"));
    BAD(oms, omskit_ship_with(oms, f3, "{\"rule\": \"cheapest\"}", &json), OMSKIT_STATUS_CURRENCY_MISMATCH);
    CHECK(contains(bad_json, "\"expected\"") && contains(bad_json, "EUR"));
    OK(omskit_ship(oms, f3, "eu-post", "economy", &json)); /* by name it is fine */
    CHECK(streq(JGET(json, "/shipment/currency"), "EUR") && streq(JGET(json, "/shipment/cost"), "9.90"));
    omskit_string_free(json);

    /* Registration errors take nothing and change nothing. */
    fake_init(&unused, oms, "X", "2030-01-02T23:59:59Z");
    c = carrier_of("unused", &unused);
    BAD(oms, omskit_register_carrier(NULL, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("oms");
    BAD(oms, omskit_register_carrier(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier");
    c.name = NULL;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier.name");
    c.name = BAD_UTF8;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier.name");
    c.name = "";
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("carrier.name");
    c.name = "two words";
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("carrier.name");
    static char long_name[130];
    memset(long_name, 'n', sizeof long_name - 1);
    c.name = long_name;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("carrier.name");
    c = carrier_of("unused", &unused);
    c.quote = NULL;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier.quote");
    c = carrier_of("unused", &unused);
    c.create_label = NULL;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier.create_label");
    c = carrier_of("unused", &unused);
    c.void_label = NULL;
    BAD(oms, omskit_register_carrier(oms, &c), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier.void_label");
    CHECK(unused.frees == 0 && unused.quotes == 0);

    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    /* Freeing the handle releases every carrier still registered, once. */
    omskit_oms_free(oms);
    CHECK(acme.frees == 1 && broken.frees == 1 && spare.frees == 1 && late.frees == 0);
    CHECK(unused.frees == 0);
    untrack_all();
}

/* ------------------------------------------------------ the bad-input table */

static void test_bad_inputs(void) {
    omskit_oms *oms = NULL;
    char o[64], held[64], cancelled[64], nowhere[64], f[64], fready[64], fpicked[64], fpacked[64];
    char fnowhere[64], tn[64], buf[2048];
    char *out = NULL;
    const omskit_oms *no = NULL;
    untrack_all();

    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_add_location(oms, "WH-WEST", "West DC", 2));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 20, "PO-1"));
    OK(omskit_receive_stock(oms, "CUP", "WH-WEST", 5, "PO-1"));
    OK(omskit_register_standard_carrier(oms, "USD"));
    OK(omskit_set_bin(oms, "MUG", "WH-EAST", "A-01"));

    /* Fixtures: a shipped fulfilment order (tn), one of each open state, an
     * order on hold, a cancelled one, one without a shipping address. */
    place(oms, "o-1", "[{\"sku\": \"MUG\", \"quantity\": 2, \"unit_price\": \"1\"}]", o);
    fulfil_one(oms, o, f);
    pick_and_pack(oms, "WH-EAST", f, 1, 2);
    ship(oms, f, "table-rate", "ground", tn);
    char o2[64], o3[64], o4[64];
    place(oms, "o-2", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]", o2);
    fulfil_one(oms, o2, fready);
    place(oms, "o-3", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]", o3);
    fulfil_one(oms, o3, fpicked);
    pick_list_of(oms, "WH-EAST", fpicked);
    OK(omskit_confirm_pick(oms, fpicked, "[{\"line_id\": 1, \"quantity\": 1}]", NULL));
    place(oms, "o-4", "[{\"sku\": \"MUG\", \"quantity\": 2, \"unit_price\": \"1\"}]", o4);
    fulfil_one(oms, o4, fpacked);
    pick_and_pack(oms, "WH-EAST", fpacked, 1, 2);
    place(oms, "o-5", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]", held);
    OK(omskit_hold_order(oms, held, "check", NULL));
    place(oms, "o-6", "[{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]", cancelled);
    OK(omskit_cancel_order(oms, cancelled, "test", NULL));
    OK(omskit_place_order(oms, "{\"channel\": \"web\", \"currency\": \"USD\", " CUSTOMER
                               ", \"lines\": [{\"sku\": \"MUG\", \"quantity\": 1, \"unit_price\": \"1\"}]}",
                          &out));
    jget(out, "/id", nowhere, sizeof nowhere);
    omskit_string_free(out);
    track_order(nowhere);
    fulfil_one(oms, nowhere, fnowhere);
    pick_and_pack(oms, "WH-EAST", fnowhere, 1, 1);
    /* A pending fulfilment order: a short pick of boxes, none elsewhere. */
    char obox[64], fbox[64], fpending[64];
    OK(omskit_receive_stock(oms, "BOX", "WH-EAST", 2, "PO-1"));
    place(oms, "o-8", "[{\"sku\": \"BOX\", \"quantity\": 2, \"unit_price\": \"1\"}]", obox);
    fulfil_one(oms, obox, fbox);
    pick_list_of(oms, "WH-EAST", fbox);
    OK(omskit_confirm_pick(oms, fbox, "[{\"line_id\": 1, \"quantity\": 1}]", NULL));
    OK(omskit_pending_fulfillments(oms, NULL, 10, &out));
    jget(out, "/0/id", fpending, sizeof fpending);
    CHECK(count(out, "\"order_id\":") == 1 && streq(JGET(out, "/0/status"), "pending"));
    omskit_string_free(out);

    /* omskit_fulfil */
    BAD(oms, omskit_fulfil(no, o2, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("oms");
    BAD(oms, omskit_fulfil(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("order_id");
    BAD(oms, omskit_fulfil(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_fulfil(oms, "not-an-id", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("order_id");
    BAD(oms, omskit_fulfil(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"order\""));
    BAD(oms, omskit_fulfil(oms, held, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"on_hold\",\"action\":\"fulfil\""));
    BAD(oms, omskit_fulfil(oms, cancelled, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(out == NULL);

    /* omskit_fulfillment, omskit_fulfillments */
    BAD(oms, omskit_fulfillment(no, f, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_fulfillment(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_fulfillment(oms, f, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_fulfillment_json");
    BAD(oms, omskit_fulfillment(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_fulfillment(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_fulfillment(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"fulfillment order\""));
    BAD(oms, omskit_fulfillments(no, o, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_fulfillments(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("order_id");
    BAD(oms, omskit_fulfillments(oms, o, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_json");
    BAD(oms, omskit_fulfillments(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_fulfillments(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_fulfillments(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);

    /* omskit_set_bin, omskit_bin */
    BAD(oms, omskit_set_bin(no, "MUG", "WH-EAST", "B"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_bin(oms, NULL, "WH-EAST", "B"), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("sku");
    BAD(oms, omskit_set_bin(oms, "MUG", NULL, "B"), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("location");
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-EAST", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("bin");
    BAD(oms, omskit_set_bin(oms, BAD_UTF8, "WH-EAST", "B"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_bin(oms, "MUG", BAD_UTF8, "B"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-EAST", BAD_UTF8), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-EAST", ""), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("bin");
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-EAST", "   "), OMSKIT_STATUS_VALIDATION);
    static char long_bin[80];
    memset(long_bin, 'b', sizeof long_bin - 1);
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-EAST", long_bin), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("bin");
    BAD(oms, omskit_set_bin(oms, "", "WH-EAST", "B"), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("sku");
    BAD(oms, omskit_set_bin(oms, "MUG", "WH-NOWHERE", "B"), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_bin(no, "MUG", "WH-EAST", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_bin(oms, NULL, "WH-EAST", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_bin(oms, "MUG", NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_bin(oms, "MUG", "WH-EAST", NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_bin");
    BAD(oms, omskit_bin(oms, "MUG", BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_bin(oms, "MUG", "WH-NOWHERE", &out), OMSKIT_STATUS_NOT_FOUND);

    /* omskit_create_pick_list */
    char one[128], twice[256];
    snprintf(one, sizeof one, "[\"%s\"]", fready);
    snprintf(twice, sizeof twice, "[\"%s\", \"%s\"]", fready, fready);
    BAD(oms, omskit_create_pick_list(no, "WH-EAST", one, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_create_pick_list(oms, NULL, one, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("location");
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_ids_json");
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", one, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_pick_list_json");
    BAD(oms, omskit_create_pick_list(oms, BAD_UTF8, one, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } lists[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "fulfillment_ids_json"},
        {"[", OMSKIT_STATUS_INVALID_ARGUMENT, "fulfillment_ids_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "fulfillment_ids"},
        {"[]", OMSKIT_STATUS_VALIDATION, "fulfillment_ids"},
        {"[1]", OMSKIT_STATUS_VALIDATION, "fulfillment_ids[0]"},
        {"[\"bad\"]", OMSKIT_STATUS_VALIDATION, "fulfillment_ids[0]"},
        {"[\"00000000-0000-7000-8000-000000000000\"]", OMSKIT_STATUS_NOT_FOUND, NULL},
    };
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_create_pick_list(oms, "WH-EAST", lists[i].json, &out), lists[i].want);
        CHECK(out == NULL);
        if (lists[i].field != NULL && !streq(bad_field, lists[i].field)) {
            failed++;
            fprintf(stderr, "pick list %s: field %s, expected %s\n", lists[i].json, bad_field, lists[i].field);
        }
    }
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", twice, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_ids[1]");
    BAD(oms, omskit_create_pick_list(oms, "WH-WEST", one, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_ids[0]");
    BAD(oms, omskit_create_pick_list(oms, "WH-NOWHERE", one, &out), OMSKIT_STATUS_NOT_FOUND);
    snprintf(buf, sizeof buf, "[\"%s\", \"%s\"]", fready, fpicked); /* one of them is not ready */
    BAD(oms, omskit_create_pick_list(oms, "WH-EAST", buf, &out), OMSKIT_STATUS_INVALID_TRANSITION);

    /* omskit_confirm_pick (fready goes on a pick list first) */
    char flist[64], flist_o[64];
    place(oms, "o-7", "[{\"sku\": \"MUG\", \"quantity\": 3, \"unit_price\": \"1\"}]", flist_o);
    fulfil_one(oms, flist_o, flist);
    pick_list_of(oms, "WH-EAST", flist);
    const char *p_ok = "[{\"line_id\": 1, \"quantity\": 3}]";
    BAD(oms, omskit_confirm_pick(no, flist, p_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_confirm_pick(oms, NULL, p_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_confirm_pick(oms, flist, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("picked_json");
    BAD(oms, omskit_confirm_pick(oms, BAD_UTF8, p_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_confirm_pick(oms, flist, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } picks[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "picked_json"},
        {"[{\"line_id\": 1", OMSKIT_STATUS_INVALID_ARGUMENT, "picked_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "picked"},
        {"[]", OMSKIT_STATUS_VALIDATION, "picked"},
        {"[{}]", OMSKIT_STATUS_VALIDATION, "picked[0].line_id"},
        {"[{\"line_id\": 1}]", OMSKIT_STATUS_VALIDATION, "picked[0].quantity"},
        {"[{\"line_id\": \"1\", \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION, "picked[0].line_id"},
        {"[{\"line_id\": 1, \"quantity\": -1}]", OMSKIT_STATUS_VALIDATION, "picked[0].quantity"},
        {"[{\"line_id\": 1, \"quantity\": 1.5}]", OMSKIT_STATUS_VALIDATION, "picked[0].quantity"},
        {"[{\"line_id\": 1, \"quantity\": 4294967296}]", OMSKIT_STATUS_VALIDATION, "picked[0].quantity"},
        {"[{\"line_id\": 1, \"quantity\": 4}]", OMSKIT_STATUS_VALIDATION, "picked[0].quantity"},
        {"[{\"line_id\": 9, \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION, "picked[0].line_id"},
        {"[{\"line_id\": 1, \"quantity\": 1}, {\"line_id\": 1, \"quantity\": 1}]", OMSKIT_STATUS_VALIDATION,
         "picked[1].line_id"},
        {"[{\"line_id\": 1, \"quantity\": 1, \"bin\": \"A\"}]", OMSKIT_STATUS_VALIDATION, "picked[0].bin"},
    };
    for (size_t i = 0; i < sizeof picks / sizeof *picks; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_confirm_pick(oms, flist, picks[i].json, &out), picks[i].want);
        CHECK(out == NULL);
        if (!streq(bad_field, picks[i].field)) {
            failed++;
            fprintf(stderr, "pick %s: field %s, expected %s\n", picks[i].json, bad_field, picks[i].field);
        }
    }
    BAD(oms, omskit_confirm_pick(oms, "bad", p_ok, &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_confirm_pick(oms, UNKNOWN_ID, p_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_confirm_pick(oms, fready, "[{\"line_id\": 1, \"quantity\": 1}]", &out),
        OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"ready\",\"action\":\"confirm_pick\""));

    /* omskit_pack (fpicked is picked) */
#define PKG(id, w, l, lines) \
    "{\"id\": \"" id "\", \"weight_kg\": " w ", \"length_cm\": " l ", \"width_cm\": \"10\", \"height_cm\": \"10\", \"lines\": " lines "}"
    const char *k_ok = "[" PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]";
    BAD(oms, omskit_pack(no, fpicked, k_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_pack(oms, NULL, k_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_pack(oms, fpicked, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("packages_json");
    BAD(oms, omskit_pack(oms, BAD_UTF8, k_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_pack(oms, fpicked, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } packs[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "packages_json"},
        {"[{", OMSKIT_STATUS_INVALID_ARGUMENT, "packages_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "packages"},
        {"[]", OMSKIT_STATUS_VALIDATION, "packages"},
        {"[{}]", OMSKIT_STATUS_VALIDATION, "packages[0].id"},
        {"[" PKG("B1", "\"-1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].weight_kg"},
        {"[" PKG("B1", "\"0\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].weight_kg"},
        {"[" PKG("B1", "\"1001\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].weight_kg"},
        {"[" PKG("B1", "\"heavy\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].weight_kg"},
        {"[" PKG("B1", "true", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].weight_kg"},
        {"[" PKG("B1", "\"1\"", "\"-10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].length_cm"},
        {"[" PKG("", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].id"},
        {"[" PKG("B1", "\"1\"", "\"10\"", "[]") "]", OMSKIT_STATUS_VALIDATION, "packages[0].lines"},
        {"[" PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 7, \"quantity\": 1}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].lines[0].line_id"},
        {"[" PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 0}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages[0].lines[0].quantity"},
        {"[" PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 2}]") "]", OMSKIT_STATUS_VALIDATION,
         "packages"},
        {"[" PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") ", "
             PKG("B1", "\"1\"", "\"10\"", "[{\"line_id\": 1, \"quantity\": 1}]") "]",
         OMSKIT_STATUS_VALIDATION, "packages[1].id"},
        {"[{\"id\": \"B1\", \"weight_kg\": \"1\", \"length_cm\": \"10\", \"width_cm\": \"10\", \"height_cm\": \"10\","
         " \"colour\": \"red\", \"lines\": [{\"line_id\": 1, \"quantity\": 1}]}]",
         OMSKIT_STATUS_VALIDATION, "packages[0].colour"},
    };
    for (size_t i = 0; i < sizeof packs / sizeof *packs; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_pack(oms, fpicked, packs[i].json, &out), packs[i].want);
        CHECK(out == NULL);
        if (!streq(bad_field, packs[i].field)) {
            failed++;
            fprintf(stderr, "pack %zu: field %s, expected %s (%s)\n", i, bad_field, packs[i].field, bad_message);
        }
    }
    BAD(oms, omskit_pack(oms, "bad", k_ok, &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_pack(oms, UNKNOWN_ID, k_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_pack(oms, fready, k_ok, &out), OMSKIT_STATUS_INVALID_TRANSITION);

    /* Hold, release, cancel */
    BAD(oms, omskit_hold_fulfillment(no, fready, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_fulfillment(oms, NULL, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_hold_fulfillment(oms, fready, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("reason");
    BAD(oms, omskit_hold_fulfillment(oms, fready, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_hold_fulfillment(oms, fready, "", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("reason");
    BAD(oms, omskit_hold_fulfillment(oms, "bad", "r", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_hold_fulfillment(oms, UNKNOWN_ID, "r", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_hold_fulfillment(oms, f, "r", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"shipped\",\"action\":\"hold\""));
    BAD(oms, omskit_release_fulfillment(no, fready, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_release_fulfillment(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_release_fulfillment(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_release_fulfillment(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_release_fulfillment(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_release_fulfillment(oms, fready, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_cancel_fulfillment(no, fready, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_fulfillment(oms, NULL, "r", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_cancel_fulfillment(oms, fready, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("reason");
    BAD(oms, omskit_cancel_fulfillment(oms, fready, "", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_fulfillment(oms, fready, "bad\x01", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_fulfillment(oms, "bad", "r", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_cancel_fulfillment(oms, UNKNOWN_ID, "r", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_cancel_fulfillment(oms, f, "r", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(out == NULL);

    /* omskit_allocate_fulfillment (fpending awaits a box), omskit_pending_fulfillments */
    BAD(oms, omskit_allocate_fulfillment(no, fpending, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("oms");
    BAD(oms, omskit_allocate_fulfillment(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_allocate_fulfillment(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_allocate_fulfillment(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_allocate_fulfillment(oms, "", NULL), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_allocate_fulfillment(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"fulfillment order\"") && contains(bad_json, UNKNOWN_ID));
    BAD(oms, omskit_allocate_fulfillment(oms, fready, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"ready\",\"action\":\"allocate\""));
    BAD(oms, omskit_allocate_fulfillment(oms, f, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    CHECK(contains(bad_json, "\"from\":\"shipped\",\"action\":\"allocate\""));
    out = (char *)"sentinel";
    BAD(oms, omskit_allocate_fulfillment(oms, fpending, &out), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(out == NULL);
    CHECK(streq(JGET(bad_json, "/sku"), "BOX") && streq(JGET(bad_json, "/shortages/0/requested"), "1"));
    BAD(oms, omskit_allocate_fulfillment(oms, fpending, NULL), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    BAD(oms, omskit_pending_fulfillments(no, NULL, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("oms");
    BAD(oms, omskit_pending_fulfillments(oms, NULL, 10, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_json");
    BAD(oms, omskit_pending_fulfillments(oms, BAD_UTF8, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("after");
    BAD(oms, omskit_pending_fulfillments(oms, "bad", 10, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("after");
    out = (char *)"sentinel";
    BAD(oms, omskit_pending_fulfillments(oms, "", 10, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("after");
    CHECK(out == NULL);
    SAME(oms, omskit_pending_fulfillments(oms, UNKNOWN_ID, 10, &out)); /* any id pages, known or not */
    CHECK(count(out, "\"order_id\":") == 1 && streq(JGET(out, "/0/id"), fpending));
    omskit_string_free(out);

    /* Carriers */
    BAD(oms, omskit_register_standard_carrier(no, "USD"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_register_standard_carrier(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("currency");
    BAD(oms, omskit_register_standard_carrier(oms, BAD_UTF8), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_register_standard_carrier(oms, "EUX"), OMSKIT_STATUS_UNKNOWN_CURRENCY);
    CHECK(contains(bad_json, "\"currency\":\"EUX\""));
    BAD(oms, omskit_register_standard_carrier(oms, ""), OMSKIT_STATUS_UNKNOWN_CURRENCY);
    BAD(oms, omskit_register_standard_carrier(oms, "usd"), OMSKIT_STATUS_UNKNOWN_CURRENCY);
    BAD(oms, omskit_register_table_rate_carrier(no, "{}"), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_register_table_rate_carrier(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("config_json");
    BAD(oms, omskit_register_table_rate_carrier(oms, BAD_UTF8), OMSKIT_STATUS_INVALID_ARGUMENT);
#define CONFIG(name, currency, country, price)                                                     \
    "{\"name\": \"" name "\", \"currency\": \"" currency "\", \"zones\": [{\"name\": \"z\", \"countries\": [\"" country \
    "\"]}], \"services\": [{\"name\": \"s\", \"transit_days\": 2}], \"rates\": [{\"service\": \"s\", \"zone\": \"z\"," \
    " \"up_to_kg\": \"5\", \"price\": \"" price "\"}]}"
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } configs[] = {
        {"{", OMSKIT_STATUS_INVALID_ARGUMENT, "config_json"},
        {"[]", OMSKIT_STATUS_VALIDATION, "config_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "name"},
        {CONFIG("", "EUR", "DE", "5.00"), OMSKIT_STATUS_VALIDATION, "name"},
        {CONFIG("x", "EUX", "DE", "5.00"), OMSKIT_STATUS_VALIDATION, "currency"},
        {CONFIG("x", "EUR", "XX", "5.00"), OMSKIT_STATUS_VALIDATION, "zones[0].countries[0]"},
        {CONFIG("x", "EUR", "DE", "-5.00"), OMSKIT_STATUS_VALIDATION, "rates[0].price"},
        {CONFIG("x", "EUR", "DE", "5.001"), OMSKIT_STATUS_VALIDATION, "rates[0].price"},
        {CONFIG("x", "EUR", "DE", "five"), OMSKIT_STATUS_VALIDATION, "rates[0].price"},
        {"{\"name\": \"x\", \"currency\": \"EUR\", \"zones\": [], \"services\": [], \"rates\": [],"
         " \"transit_days\": [{\"service\": \"s\", \"zone\": \"z\", \"days\": 1}]}",
         OMSKIT_STATUS_VALIDATION, "transit_days[0].service"},
        {"{\"name\": \"x\", \"currency\": \"EUR\", \"zones\": [], \"services\": [], \"rates\": [], \"extra\": 1}",
         OMSKIT_STATUS_VALIDATION, "extra"},
    };
    for (size_t i = 0; i < sizeof configs / sizeof *configs; i++) {
        BAD(oms, omskit_register_table_rate_carrier(oms, configs[i].json), configs[i].want);
        if (!streq(bad_field, configs[i].field)) {
            failed++;
            fprintf(stderr, "config %zu: field %s, expected %s (%s)\n", i, bad_field, configs[i].field, bad_message);
        }
    }
    BAD(oms, omskit_carriers(no, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_carriers(oms, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_json");

    /* Quotes and shipping */
    BAD(oms, omskit_quote_shipment(no, fpacked, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_quote_shipment(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_quote_shipment(oms, fpacked, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_quotes_json");
    BAD(oms, omskit_quote_shipment(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_quote_shipment(oms, "bad", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_quote_shipment(oms, UNKNOWN_ID, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_quote_shipment(oms, fready, &out), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_quote_shipment(oms, fnowhere, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("ship_to");
    BAD(oms, omskit_ship(no, fpacked, "table-rate", "ground", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship(oms, NULL, "table-rate", "ground", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_ship(oms, fpacked, NULL, "ground", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("carrier");
    BAD(oms, omskit_ship(oms, fpacked, "table-rate", NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("service");
    BAD(oms, omskit_ship(oms, BAD_UTF8, "table-rate", "ground", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship(oms, fpacked, BAD_UTF8, "ground", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship(oms, fpacked, "table-rate", BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship(oms, "bad", "table-rate", "ground", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("fulfillment_id");
    BAD(oms, omskit_ship(oms, UNKNOWN_ID, "table-rate", "ground", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_ship(oms, fpacked, "no-such-carrier", "ground", &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"carrier\""));
    BAD(oms, omskit_ship(oms, fpacked, "table-rate", "teleport", &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"carrier service\""));
    BAD(oms, omskit_ship(oms, fready, "table-rate", "ground", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_ship(oms, f, "table-rate", "ground", &out), OMSKIT_STATUS_INVALID_TRANSITION);
    BAD(oms, omskit_ship(oms, fnowhere, "table-rate", "ground", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("ship_to");
    BAD(oms, omskit_ship_with(no, fpacked, "{\"rule\": \"cheapest\"}", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship_with(oms, NULL, "{\"rule\": \"cheapest\"}", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_ship_with(oms, fpacked, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("rule_json");
    BAD(oms, omskit_ship_with(oms, fpacked, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } rules[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "rule_json"},
        {"{\"rule\":", OMSKIT_STATUS_INVALID_ARGUMENT, "rule_json"},
        {"[]", OMSKIT_STATUS_VALIDATION, "rule_json"},
        {"\"cheapest\"", OMSKIT_STATUS_VALIDATION, "rule_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "rule"},
        {"{\"rule\": \"slowest\"}", OMSKIT_STATUS_VALIDATION, "rule"},
        {"{\"rule\": \"fastest\", \"budget\": \"cheap\"}", OMSKIT_STATUS_VALIDATION, "budget"},
        {"{\"rule\": \"fastest\", \"budget\": \"-1\"}", OMSKIT_STATUS_VALIDATION, "budget"},
        {"{\"rule\": \"fastest\", \"budget\": \"0.50\"}", OMSKIT_STATUS_VALIDATION, "budget"},
        {"{\"rule\": \"cheapest\", \"budget\": \"10\"}", OMSKIT_STATUS_VALIDATION, "budget"},
        {"{\"rule\": \"fastest\", \"deliver_by\": \"2030-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION, "deliver_by"},
        {"{\"rule\": \"cheapest\", \"deliver_by\": \"soon\"}", OMSKIT_STATUS_VALIDATION, "deliver_by"},
        {"{\"rule\": \"cheapest\", \"deliver_by\": \"2000-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION, "deliver_by"},
        {"{\"rule\": \"cheapest\", \"colour\": \"red\"}", OMSKIT_STATUS_VALIDATION, "colour"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_ship_with(oms, fpacked, rules[i].json, &out), rules[i].want);
        CHECK(out == NULL);
        if (!streq(bad_field, rules[i].field)) {
            failed++;
            fprintf(stderr, "rule %s: field %s, expected %s (%s)\n", rules[i].json, bad_field, rules[i].field,
                    bad_message);
        }
    }
    BAD(oms, omskit_ship_with(oms, fready, "{\"rule\": \"cheapest\"}", &out), OMSKIT_STATUS_INVALID_TRANSITION);

    /* Tracking */
    const char *u_ok = "{\"carrier_event_id\": \"e-1\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}";
    BAD(oms, omskit_record_tracking_event(no, tn, u_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_tracking_event(oms, NULL, u_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_record_tracking_event(oms, tn, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("update_json");
    BAD(oms, omskit_record_tracking_event(oms, BAD_UTF8, u_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_tracking_event(oms, tn, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_tracking_event(oms, "NO-SUCH-NUMBER", u_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    CHECK(contains(bad_json, "\"entity\":\"shipment\"") && contains(bad_json, "NO-SUCH-NUMBER"));
    BAD(oms, omskit_record_tracking_event(oms, "", u_ok, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_record_tracking_event(oms, "TR\x01", u_ok, &out), OMSKIT_STATUS_VALIDATION);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } updates[] = {
        {"", OMSKIT_STATUS_INVALID_ARGUMENT, "update_json"},
        {"{\"kind\": ", OMSKIT_STATUS_INVALID_ARGUMENT, "update_json"},
        {"[]", OMSKIT_STATUS_VALIDATION, "update_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "carrier_event_id"},
        {"{\"carrier_event_id\": \"e\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION, "kind"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"lost\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}",
         OMSKIT_STATUS_VALIDATION, "kind"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\", \"occurred_at\": \"soon\"}", OMSKIT_STATUS_VALIDATION,
         "occurred_at"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\", \"occurred_at\": 1767225600}", OMSKIT_STATUS_VALIDATION,
         "occurred_at"},
        {"{\"carrier_event_id\": \"\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}",
         OMSKIT_STATUS_VALIDATION, "carrier_event_id"},
        {"{\"carrier_event_id\": 7, \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\"}",
         OMSKIT_STATUS_VALIDATION, "carrier_event_id"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\", \"proof\": {}}",
         OMSKIT_STATUS_VALIDATION, "proof"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"delivered\", \"occurred_at\": \"2030-01-01T00:00:00Z\","
         " \"proof\": {\"signed\": \"x\"}}",
         OMSKIT_STATUS_VALIDATION, "proof.signed"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\","
         " \"description\": \"bad\\u0001text\"}",
         OMSKIT_STATUS_VALIDATION, "description"},
        {"{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-01T00:00:00Z\", \"x\": 1}",
         OMSKIT_STATUS_VALIDATION, "x"},
    };
    for (size_t i = 0; i < sizeof updates / sizeof *updates; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_record_tracking_event(oms, tn, updates[i].json, &out), updates[i].want);
        CHECK(out == NULL);
        if (!streq(bad_field, updates[i].field)) {
            failed++;
            fprintf(stderr, "update %s: field %s, expected %s (%s)\n", updates[i].json, bad_field,
                    updates[i].field, bad_message);
        }
    }
    const char *proof = "{\"signed_by\": \"Ada\"}";
    BAD(oms, omskit_confirm_delivery(no, tn, proof, "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_confirm_delivery(oms, NULL, proof, "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_confirm_delivery(oms, tn, NULL, "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("proof_json");
    BAD(oms, omskit_confirm_delivery(oms, tn, proof, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("delivered_at");
    BAD(oms, omskit_confirm_delivery(oms, tn, BAD_UTF8, "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_confirm_delivery(oms, tn, proof, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_confirm_delivery(oms, tn, proof, "yesterday", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("delivered_at");
    BAD(oms, omskit_confirm_delivery(oms, tn, proof, "2030-13-01T00:00:00Z", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_confirm_delivery(oms, tn, proof, "", &out), OMSKIT_STATUS_VALIDATION);
    BAD(oms, omskit_confirm_delivery(oms, tn, "{", "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("proof_json");
    BAD(oms, omskit_confirm_delivery(oms, tn, "[]", "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("proof");
    BAD(oms, omskit_confirm_delivery(oms, tn, "{\"sign\": 1}", "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("proof.sign");
    static char long_proof[400];
    snprintf(long_proof, sizeof long_proof, "{\"signed_by\": \"%0250d\"}", 0);
    BAD(oms, omskit_confirm_delivery(oms, tn, long_proof, "2030-01-02T00:00:00Z", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("proof.signed_by");
    BAD(oms, omskit_confirm_delivery(oms, "NO-SUCH-NUMBER", proof, "2030-01-02T00:00:00Z", &out),
        OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_tracking_events(no, tn, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_tracking_events(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_tracking_events(oms, tn, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_json");
    BAD(oms, omskit_tracking_events(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_tracking_events(oms, "NO-SUCH-NUMBER", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_tracking_events(oms, "", &out), OMSKIT_STATUS_VALIDATION);

    /* Conditions */
    const char *t_ok = "{\"max_temperature_c\": \"8\"}";
    BAD(oms, omskit_set_condition_thresholds(no, tn, t_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_condition_thresholds(oms, NULL, t_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("thresholds_json");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "{", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "[]", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("thresholds_json");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "{\"min_temperature_c\": \"9\", \"max_temperature_c\": \"8\"}", &out),
        OMSKIT_STATUS_VALIDATION);
    FIELD_IS("max_temperature_c");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "{\"max_shock_g\": \"-1\"}", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("max_shock_g");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "{\"min_temperature_c\": \"cold\"}", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("min_temperature_c");
    BAD(oms, omskit_set_condition_thresholds(oms, tn, "{\"humidity\": \"50\"}", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("humidity");
    BAD(oms, omskit_set_condition_thresholds(oms, "NO-SUCH-NUMBER", t_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    const char *r_ok = "{\"kind\": \"temperature\", \"value\": \"5\", \"at\": \"2030-01-01T00:00:00Z\"}";
    BAD(oms, omskit_record_condition_reading(no, tn, r_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_record_condition_reading(oms, NULL, r_ok, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("tracking_number");
    BAD(oms, omskit_record_condition_reading(oms, tn, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("reading_json");
    BAD(oms, omskit_record_condition_reading(oms, tn, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    static const struct {
        const char *json;
        omskit_status want;
        const char *field;
    } readings[] = {
        {"{", OMSKIT_STATUS_INVALID_ARGUMENT, "reading_json"},
        {"[]", OMSKIT_STATUS_VALIDATION, "reading_json"},
        {"{}", OMSKIT_STATUS_VALIDATION, "kind"},
        {"{\"kind\": \"humidity\", \"value\": \"5\", \"at\": \"2030-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION, "kind"},
        {"{\"kind\": \"temperature\", \"value\": \"warm\", \"at\": \"2030-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION,
         "value"},
        {"{\"kind\": \"shock\", \"value\": \"-2\", \"at\": \"2030-01-01T00:00:00Z\"}", OMSKIT_STATUS_VALIDATION, "value"},
        {"{\"kind\": \"temperature\", \"value\": \"5\", \"at\": \"noon\"}", OMSKIT_STATUS_VALIDATION, "at"},
        {"{\"kind\": \"temperature\", \"value\": \"5\"}", OMSKIT_STATUS_VALIDATION, "at"},
        {"{\"kind\": \"temperature\", \"value\": \"5\", \"at\": \"2030-01-01T00:00:00Z\", \"sensor\": \"a\\u0007b\"}",
         OMSKIT_STATUS_VALIDATION, "sensor"},
    };
    for (size_t i = 0; i < sizeof readings / sizeof *readings; i++) {
        out = (char *)"sentinel";
        BAD(oms, omskit_record_condition_reading(oms, tn, readings[i].json, &out), readings[i].want);
        CHECK(out == NULL);
        if (!streq(bad_field, readings[i].field)) {
            failed++;
            fprintf(stderr, "reading %s: field %s, expected %s (%s)\n", readings[i].json, bad_field,
                    readings[i].field, bad_message);
        }
    }
    BAD(oms, omskit_record_condition_reading(oms, "NO-SUCH-NUMBER", r_ok, &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_condition_readings(no, tn, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_condition_readings(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_condition_readings(oms, tn, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_json");
    BAD(oms, omskit_condition_readings(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_condition_readings(oms, "NO-SUCH-NUMBER", &out), OMSKIT_STATUS_NOT_FOUND);
    BAD(oms, omskit_check_delivery_promises(no, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("oms");

    /* Notifications */
    char *events = NULL, *event = NULL;
    OK(omskit_events_since(oms, 0, 1, &events));
    OK(omskit_json_get(events, "/0", &event));
    omskit_string_free(events);
    BAD(oms, omskit_notification_for(no, event, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_notification_for(oms, NULL, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("event_json");
    BAD(oms, omskit_notification_for(oms, event, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_notification_json");
    omskit_string_free(event);
    BAD(oms, omskit_notification_for(oms, BAD_UTF8, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_notification_for(oms, "{", &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("event_json");
    BAD(oms, omskit_notification_for(oms, "[]", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("event_json");
    BAD(oms, omskit_notification_for(oms, "{}", &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("seq");
    BAD(oms, omskit_notification_for(oms,
                                     "{\"seq\": 1, \"stream\": \"order:x\", \"version\": 1, \"recorded_at\": "
                                     "\"2030-01-01T00:00:00Z\", \"kind\": \"OrderPlaced\", \"payload\": \"garbage\", "
                                     "\"prev_hash\": \"0000000000000000000000000000000000000000000000000000000000000000\", "
                                     "\"hash\": \"0000000000000000000000000000000000000000000000000000000000000000\"}",
                                     &out),
        OMSKIT_STATUS_VALIDATION);
    FIELD_IS("payload");
    BAD(oms, omskit_notifications_since(no, 0, 10, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_notifications_since(oms, 0, 10, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_page_json");

    /* Diagrams */
    BAD(oms, omskit_state_diagram(NULL, OMSKIT_DIAGRAM_FORMAT_MERMAID, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("machine");
    BAD(oms, omskit_state_diagram("order", OMSKIT_DIAGRAM_FORMAT_MERMAID, NULL), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("out_text");
    BAD(oms, omskit_state_diagram(BAD_UTF8, OMSKIT_DIAGRAM_FORMAT_MERMAID, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    BAD(oms, omskit_state_diagram("orders", OMSKIT_DIAGRAM_FORMAT_MERMAID, &out), OMSKIT_STATUS_VALIDATION);
    FIELD_IS("machine");
    BAD(oms, omskit_state_diagram("order", 2, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    FIELD_IS("format");
    BAD(oms, omskit_state_diagram("order", UINT32_MAX, &out), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(out == NULL);

    /* After all that, the shipped order and the open ones are as they were. */
    char s[64];
    CHECK(streq(fulfillment_status(oms, f, s), "shipped"));
    CHECK(streq(fulfillment_status(oms, fready, s), "ready"));
    CHECK(streq(fulfillment_status(oms, fpicked, s), "picked"));
    CHECK(streq(fulfillment_status(oms, fpacked, s), "packed"));
    CHECK(streq(fulfillment_status(oms, fpending, s), "pending"));
    OK(omskit_tracking_events(oms, tn, &out));
    CHECK(streq(out, "[]"));
    omskit_string_free(out);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);
    untrack_all();
}

/* ---------------------------------------------------------------- threads */

#define THREADS 4

typedef struct {
    const omskit_oms *oms;
    const char *tracking_number;
    pthread_barrier_t *barrier;
    int index;
    int recorded_same;
    int recorded_own;
} tracker;

/* Every thread sends the same carrier event, then one of its own. */
static void *send_events(void *arg) {
    tracker *t = arg;
    char update[256], *outcome = NULL;
    pthread_barrier_wait(t->barrier);
    if (omskit_record_tracking_event(t->oms, t->tracking_number,
                                     "{\"carrier_event_id\": \"same\", \"kind\": \"in_transit\", "
                                     "\"occurred_at\": \"2030-01-02T00:00:00Z\"}",
                                     &outcome) == OMSKIT_STATUS_OK) {
        char recorded[16];
        t->recorded_same = streq(jget(outcome, "/recorded", recorded, sizeof recorded), "true");
    }
    omskit_string_free(outcome);
    outcome = NULL;
    snprintf(update, sizeof update,
             "{\"carrier_event_id\": \"own-%d\", \"kind\": \"in_transit\", \"occurred_at\": "
             "\"2030-01-03T0%d:00:00Z\"}",
             t->index, t->index);
    if (omskit_record_tracking_event(t->oms, t->tracking_number, update, &outcome) == OMSKIT_STATUS_OK) {
        char recorded[16];
        t->recorded_own = streq(jget(outcome, "/recorded", recorded, sizeof recorded), "true");
    }
    omskit_string_free(outcome);
    return NULL;
}

static void test_threads(void) {
    omskit_oms *oms = NULL;
    char o[64], f[64], tn[64];
    untrack_all();
    OK(omskit_oms_in_memory(&oms));
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 5, "PO-1"));
    OK(omskit_register_standard_carrier(oms, "USD"));
    packed_mug(oms, "t-1", o, f);
    ship(oms, f, "table-rate", "ground", tn);

    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    tracker trackers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        trackers[i] = (tracker){oms, tn, &barrier, i, 0, 0};
        CHECK(pthread_create(&threads[i], NULL, send_events, &trackers[i]) == 0);
    }
    int same = 0, own = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        same += trackers[i].recorded_same;
        own += trackers[i].recorded_own;
    }
    pthread_barrier_destroy(&barrier);
    CHECK(same == 1); /* one carrier event, recorded once */
    CHECK(own == THREADS);
    char *json = NULL;
    OK(omskit_tracking_events(oms, tn, &json));
    CHECK(count(json, "\"carrier_event_id\":") == 1 + THREADS);
    omskit_string_free(json);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
    omskit_oms_free(oms);
    untrack_all();
}

/* ------------------------------------------------------ SQLite, PostgreSQL */

/* A short life on a persistent store; returns the order's id and the
 * tracking number, for checking after reopening. */
static void persisted_life(omskit_oms *oms, char *order_id, char *tn) {
    char f[64], *json = NULL, s[64];
    OK(omskit_add_location(oms, "WH-EAST", "East DC", 1));
    OK(omskit_receive_stock(oms, "MUG", "WH-EAST", 5, "PO-1"));
    OK(omskit_register_standard_carrier(oms, "USD"));
    OK(omskit_set_bin(oms, "MUG", "WH-EAST", "A-01"));
    packed_mug(oms, "p-1", order_id, f);
    OK(omskit_quote_shipment(oms, f, &json));
    CHECK(streq(JGET(json, "/0/service"), "ground"));
    omskit_string_free(json);
    OK(omskit_ship_with(oms, f, "{\"rule\": \"cheapest\"}", &json));
    jget(json, "/shipment/tracking_number", tn, 64);
    omskit_string_free(json);
    json = track(oms, tn, "e-1", "in_transit", "2030-01-02T00:00:00Z", "");
    CHECK(outcome_is(json, "true", "true", "in_transit"));
    omskit_string_free(json);
    SAME(oms, omskit_record_tracking_event(
                  oms, tn, "{\"carrier_event_id\": \"e-1\", \"kind\": \"in_transit\", \"occurred_at\": \"2030-01-02T00:00:00Z\"}",
                  NULL));
    OK(omskit_set_condition_thresholds(oms, tn, "{\"max_temperature_c\": \"8\"}", NULL));
    char *breach = NULL;
    OK(omskit_record_condition_reading(oms, tn, "{\"kind\": \"temperature\", \"value\": \"9\", \"at\": \"2030-01-02T01:00:00Z\"}",
                                       &breach));
    CHECK(contains(breach, "above 8"));
    omskit_string_free(breach);
    OK(omskit_confirm_delivery(oms, tn, "{\"signed_by\": \"Ada\"}", "2030-01-03T00:00:00Z", &json));
    CHECK(outcome_is(json, "true", "true", "delivered"));
    omskit_string_free(json);
    CHECK(streq(order_status(oms, order_id, s), "delivered"));
    /* A short pick of cups leaves one pending, to find after reopening. */
    char cups[64], fcups[64];
    OK(omskit_receive_stock(oms, "CUP", "WH-EAST", 2, "PO-1"));
    place(oms, "p-2", "[{\"sku\": \"CUP\", \"quantity\": 2, \"unit_price\": \"4.00\"}]", cups);
    fulfil_one(oms, cups, fcups);
    pick_list_of(oms, "WH-EAST", fcups);
    OK(omskit_confirm_pick(oms, fcups, "[{\"line_id\": 1, \"quantity\": 1}]", NULL));
    OK(omskit_fulfillments(oms, cups, &json));
    CHECK(streq(JGET(json, "/1/status"), "pending") && streq(JGET(json, "/1/lines/0/quantity"), "1"));
    omskit_string_free(json);
    BAD(oms, omskit_record_tracking_event(oms, "NO-SUCH-NUMBER", "{\"carrier_event_id\": \"e\", \"kind\": \"in_transit\","
                                                                 " \"occurred_at\": \"2030-01-02T00:00:00Z\"}", NULL),
        OMSKIT_STATUS_NOT_FOUND);
}

/* Reopened: everything is still there. */
static void check_persisted(const omskit_oms *oms, const char *order_id, const char *tn) {
    char *json = NULL, s[64];
    CHECK(streq(order_status(oms, order_id, s), "delivered"));
    OK(omskit_fulfillments(oms, order_id, &json));
    CHECK(streq(JGET(json, "/0/status"), "delivered") && streq(JGET(json, "/0/shipment/tracking_number"), tn));
    CHECK(streq(JGET(json, "/0/shipment/proof/signed_by"), "Ada"));
    CHECK(streq(JGET(json, "/0/shipment/thresholds/max_temperature_c"), "8"));
    CHECK(streq(JGET(json, "/0/packages/0/weight_kg"), "0.4"));
    omskit_string_free(json);
    OK(omskit_tracking_events(oms, tn, &json));
    CHECK(count(json, "\"carrier_event_id\":") == 2);
    omskit_string_free(json);
    OK(omskit_condition_readings(oms, tn, &json));
    CHECK(count(json, "\"kind\":") == 1);
    omskit_string_free(json);
    OK(omskit_bin(oms, "MUG", "WH-EAST", &json));
    CHECK(streq(json, "A-01"));
    omskit_string_free(json);
    OK(omskit_notifications_since(oms, 0, SIZE_MAX, &json));
    CHECK(count(json, "\"kind\":\"delivered\"") == 1);
    omskit_string_free(json);
    /* The pending cups: still awaiting stock, then allocated. */
    char pending[64];
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/status"), "pending"));
    CHECK(streq(JGET(json, "/0/lines/0/sku"), "CUP") && streq(JGET(json, "/0/location"), "WH-EAST"));
    jget(json, "/0/id", pending, sizeof pending);
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, pending, 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    BAD(oms, omskit_allocate_fulfillment(oms, pending, NULL), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    OK(omskit_receive_stock(oms, "CUP", "WH-EAST", 1, "PO-2"));
    OK(omskit_allocate_fulfillment(oms, pending, &json));
    CHECK(count(json, "\"order_id\":") == 1 && streq(JGET(json, "/0/id"), pending));
    CHECK(streq(JGET(json, "/0/status"), "ready") && streq(JGET(json, "/0/location"), "WH-EAST"));
    omskit_string_free(json);
    OK(omskit_pending_fulfillments(oms, NULL, 10, &json));
    CHECK(streq(json, "[]"));
    omskit_string_free(json);
    bool intact = false;
    OK(omskit_verify_audit_chain(oms, &intact, NULL));
    CHECK(intact);
}

static void test_sqlite(void) {
    char dir[] = "/tmp/omskit-c-fulfil.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512], name[600], order_id[64], tn[64];
    snprintf(path, sizeof path, "%s/shop.db", dir);
    untrack_all();
    omskit_oms *oms = NULL;
    OK(omskit_oms_open(path, &oms));
    if (oms != NULL) {
        persisted_life(oms, order_id, tn);
        omskit_oms_free(oms);
        oms = NULL;
        OK(omskit_oms_open(path, &oms));
        check_persisted(oms, order_id, tn);
        omskit_oms_free(oms);
    }
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
    rmdir(dir);
    untrack_all();
}

static void test_postgres(void) {
    const char *url = getenv("OMSKIT_TEST_PG_URL");
    if (url == NULL || url[0] == '\0') {
        printf("postgres: OMSKIT_TEST_PG_URL is not set; skipping the PostgreSQL tests\n");
        return;
    }
    char schema[64], order_id[64], tn[64];
    snprintf(schema, sizeof schema, "omskit_cf_%ld_%ld", (long)getpid(), (long)time(NULL));
    omskit_pg_options options = {schema, 4};
    omskit_oms *oms = NULL;
    untrack_all();
    OK(omskit_oms_connect_with(url, &options, &oms));
    if (oms == NULL) return;
    persisted_life(oms, order_id, tn);
    omskit_oms_free(oms);
    oms = NULL;
    OK(omskit_oms_connect_with(url, &options, &oms));
    if (oms != NULL) check_persisted(oms, order_id, tn);
    omskit_oms_free(oms);
    untrack_all();
    printf("postgres: fulfilment tested against %s (schema %s)\n", url, schema);
}

int main(void) {
    test_lifecycle();
    test_pending();
    test_diagrams();
    test_c_carriers();
    test_c_carrier_services();
    test_bad_inputs();
    test_threads();
    test_sqlite();
    test_postgres();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
