#!/usr/bin/env python3
"""Writes sample-regions/rhine-scheldt-delta.json from public registers: industrial sites of the
Rhine-Scheldt delta (Rotterdam, Zeeland, Antwerp, Ghent) from the Hotmaps Industrial Database
and the E-PRTR 2014 CO2 emitters.

What is real: site names, operators, positions, sectors, 2014 CO2 emissions, and the excess heat
Hotmaps reports. What is estimated: the by-product streams and needs, from sector ratios stated
in each stream's description (e.g. blast furnace slag about 0.28 t per tonne of steel). Prices
and costs are the catalogue's typical values.

    python3 tools/build_rhine_scheldt_delta.py ../shared/data/registers

Sources: "Hotmaps Industrial Database, Hotmaps project" (CC BY 4.0); "Source: European
Environment Agency, E-PRTR".
"""
import csv, json, math, sys

REG = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/registers"
BOX = (50.9, 3.4, 52.1, 4.9)  # lat_min, lon_min, lat_max, lon_max

def inside(lat, lon):
    return BOX[0] <= lat <= BOX[2] and BOX[1] <= lon <= BOX[3]

def km(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1]); dp = p2 - p1
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))

def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return 0.0

HOTMAPS_NACE = {"Iron and steel": "C24.10", "Cement": "C23.51", "Refineries": "C19.20",
                "Chemical industry": "C20.1", "Paper and printing": "C17.12", "Glass": "C23.1",
                "Non-ferrous metals": "C24.4", "Non-metallic mineral products": "C23"}
EPRTR_NACE = {"Production of electricity": "D35.11", "Manufacture of other organic basic chemicals": "C20.14",
              "Manufacture of refined petroleum products": "C19.20", "Manufacture of plastics in primary forms": "C20.16",
              "Treatment and disposal of non-hazardous waste": "E38.21", "Manufacture of industrial gases": "C20.11",
              "Manufacture of paper and paperboard": "C17.12", "Manufacture of starches and starch products": "C10.62",
              "Manufacture of other inorganic basic chemicals": "C20.13", "Trade of electricity": "D35.14",
              "Precious metals production": "C24.41", "Manufacture of basic iron and steel and of ferro-alloys": "C24.10",
              "Manufacture of oils and fats": "C10.41", "Manufacture of other electrical equipment": "C27.90",
              "Transmission of electricity": "D35.12", "Treatment and disposal of hazardous waste": "E38.22",
              "Manufacture of fertilisers and nitrogen compounds": "C20.15", "Manufacture of sugar": "C10.81",
              "Collection of non-hazardous waste": "E38.11"}

def out(fid, n, material, qty, unit, desc, route=None, ewc=None):
    """`route`: what the site is known to do with the stream today (`emitted` for reported
    excess heat and process CO2, `incineration` for paper sludge); otherwise the outlet is left
    unspecified and the engine assumes the material's typical one, saying so."""
    o = {"id": f"{fid}-o{n}", "material": material, "description": desc,
         "quantity_per_yr": round(qty, 0), "unit": unit, "availability": {"pattern": "continuous"}}
    if route:
        o["outlet"] = {"kind": route}
    if ewc:
        o["ewc_code"] = ewc
    return o

COUNTRY = {"Netherlands": "NL", "Netherland": "NL", "Belgium": "BE"}

def need(fid, n, material, qty, unit, desc):
    return {"id": f"{fid}-n{n}", "material": material, "description": desc,
            "quantity_per_yr": round(qty, 0), "unit": unit, "availability": {"pattern": "continuous"}}

# Hotmaps files a few sites under a subsector their name contradicts; these are corrected,
# and each correction is recorded on the site (attribute `sector_note`).
CORRECTIONS = [
    ("aleris aluminum", "Aluminium", "C24.42", "Hotmaps lists it under Iron and steel; it is an aluminium rolling mill and foundry"),
    ("suiker unie", "Sugar", "C10.81", "Hotmaps lists it under Cement; it is a beet sugar factory (with a lime kiln)"),
    ("nedstaal", "EAF steel", "C24.10", "an electric arc furnace steelworks: no blast furnace, scrap-based"),
    ("fnsteel", "EAF steel", "C24.10", "an electric arc furnace steelworks: no blast furnace, scrap-based"),
    ("air liquide industrie", "Industrial gases", "C20.11", "Hotmaps lists it under Refineries; it is a hydrogen and industrial gas plant"),
    ("zalco", "Aluminium", "C24.42", "an aluminium smelter"),
]

def corrected(company, site, sub):
    name = f"{company} {site}".lower()
    for key, kind, nace, note in CORRECTIONS:
        if key in name:
            return kind, nace, note
    return sub, HOTMAPS_NACE.get(sub, sub), None

facilities, skipped = [], []
hot = [r for r in csv.DictReader(open(f"{REG}/hotmaps_industrial_sites_eu_latlon.csv", encoding="utf-8"))]
for r in hot:
    if not r["lat"]:
        continue
    lat, lon = float(r["lat"]), float(r["lon"])
    if not inside(lat, lon):
        continue
    fid = f"HM{r['SiteID']}"
    sub, nace, note = corrected(r["CompanyName"], r["SiteName"], r["Subsector"])
    co2 = num(r["Emissions_ETS_2014"]) or num(r["Emissions_EPRTR_2014"])
    prod = num(r["Production"])
    heat = num(r["Excess_Heat_Total"]) * 1000.0  # GWh -> MWh
    fuel = num(r["Fuel_Demand"]) * 1000.0
    outs, needs = [], []
    def o(*a, **k):
        outs.append(out(fid, len(outs) + 1, *a, **k))
    def n(*a):
        needs.append(need(fid, len(needs) + 1, *a))
    if heat > 0:
        o("waste_heat_medium_temp", heat, "MWh", "Excess heat reported by Hotmaps (100-500 C bands)", route="emitted")
    if sub == "EAF steel" and prod > 0:
        o("steel_slag", 0.12 * prod, "t", "Estimated: EAF slag of 0.12 t per tonne of steel (EUROSLAG ratios)", ewc="10 02 02")
        o("mill_scale", 0.015 * prod, "t", "Estimated: 15 kg per tonne of rolled steel", ewc="10 02 10")
        n("scrap_steel", 1.1 * prod, "t", "Estimated: 1.1 t of scrap per tonne of EAF steel")
    elif sub == "Aluminium" and prod > 0:
        o("aluminium_dross", 0.02 * prod, "t", "Estimated: dross of 2 % of the metal melted", ewc="10 03 16")
        n("primary_aluminium", 0.5 * prod, "t", "Estimated: half the metal bought as primary ingot")
    elif sub == "Sugar" and prod > 0:
        o("lime_mud", 0.2 * prod, "t", "Estimated: carbonatation lime of about 0.2 t per tonne of sugar", ewc="02 04 02")
    elif sub == "Iron and steel" and prod > 0:
        o("blast_furnace_slag", 0.28 * prod, "t", "Estimated: 0.28 t per tonne of steel (EUROSLAG ratios)", ewc="10 02 02")
        o("steel_slag", 0.12 * prod, "t", "Estimated: 0.12 t per tonne of steel", ewc="10 02 02")
        o("mill_scale", 0.015 * prod, "t", "Estimated: 15 kg per tonne of rolled steel", ewc="10 02 10")
        n("scrap_steel", 0.15 * prod, "t", "Estimated: 15 % scrap in the converter charge")
        n("iron_ore", 1.5 * prod, "t", "Estimated: 1.5 t of ore per tonne of steel")
    elif sub == "Cement" and prod > 0:
        n("blast_furnace_slag", 0.3 * prod, "t", "Estimated: slag cements at 30 % of output")
        n("fly_ash", 0.05 * prod, "t", "Estimated: 5 % of output")
        n("coal", 0.1 * prod, "t", "Estimated: kiln fuel at 0.1 t per tonne of cement")
        o("cement_kiln_dust", 0.02 * prod, "t", "Estimated: 2 % of output", ewc="10 13 06")
    elif sub == "Industrial gases" and co2 > 0:
        o("co2_offgas", 0.6 * co2, "t", "Estimated: about 60 % of the CO2 of a hydrogen plant is pure process CO2", route="emitted")
    elif sub == "Refineries" and co2 > 0:
        o("recovered_sulphur", 0.013 * co2, "t", "Estimated from CO2: about 13 kg of Claus sulphur per tonne of CO2", route="sold", ewc="05 01 16")
        o("co2_offgas", 0.1 * co2, "t", "Estimated: about 10 % of the CO2 is pure hydrogen-plant CO2", route="emitted")
    elif sub == "Paper and printing" and prod > 0:
        o("paper_sludge", 0.08 * prod, "t", "Estimated: 80 kg of effluent sludge per tonne of paper", route="incineration", ewc="03 03 11")
        n("paper_cardboard_waste", 0.8 * prod, "t", "Estimated: recovered paper at 0.8 t per tonne of paper")
        if fuel > 0:
            n("process_steam", 0.6 * fuel, "MWh", "Estimated: 60 % of the reported fuel demand as steam")
    elif sub == "Glass" and prod > 0:
        n("glass_cullet", 0.3 * prod, "t", "Estimated: 30 % external cullet")
        n("glass_batch", 0.9 * prod, "t", "Estimated: batch at 0.9 t per tonne of glass")
    elif sub == "Chemical industry":
        if any(k in r["CompanyName"].lower() for k in ("yara", "eurochem")) and co2 > 0:
            o("co2_offgas", 0.5 * co2, "t", "Estimated: ammonia production, half of the CO2 is pure process CO2", route="emitted")
        if fuel > 0:
            n("process_steam", 0.5 * fuel, "MWh", "Estimated: 50 % of the reported fuel demand as steam")
        elif co2 > 0:
            n("process_steam", 1.0 * co2, "MWh", "Estimated: steam demand of 1 MWh per tonne of CO2")
    name = r["SiteName"].strip() or r["CompanyName"].strip()
    attributes = {"co2_ets_2014_t": f"{co2:.0f}", "source": "Hotmaps Industrial Database",
                  "hotmaps_subsector": r["Subsector"]}
    if note:
        attributes["sector_note"] = note
    facilities.append({"id": fid, "name": name.title() if name.isupper() else name, "operator": r["CompanyName"].strip(),
                       "sector": nace, "location": {"lat_deg": round(lat, 6), "lon_deg": round(lon, 6)},
                       "address": ", ".join(x for x in [r["Address"].strip(), r["City"].strip(), r["Country"].strip()] if x),
                       "country": COUNTRY.get(r["Country"].strip(), None),
                       "tags": ["Hotmaps", sub], "outputs": outs, "needs": needs, "attributes": attributes})

ep = [r for r in csv.DictReader(open(f"{REG}/eprtr_2014_co2_emitters_eu.csv", encoding="utf-8"), delimiter=";")]
for r in ep:
    lat, lon = num(r["latitude"]), num(r["longitude"])
    if not inside(lat, lon):
        continue
    # The same site in both registers: keep the Hotmaps record.
    if any(km((lat, lon), (f["location"]["lat_deg"], f["location"]["lon_deg"])) < 1.0 for f in facilities):
        skipped.append(r["FacilityName"])
        continue
    fid = f"EP{r['FacilityReportID']}"
    act = r["NACEMainEconomicActivityName"]
    co2 = num(r["MTonnes"]) * 1e6
    outs, needs = [], []
    def o(*a, **k):
        outs.append(out(fid, len(outs) + 1, *a, **k))
    def n(*a):
        needs.append(need(fid, len(needs) + 1, *a))
    if act == "Treatment and disposal of non-hazardous waste":
        o("bottom_ash", 0.22 * co2, "t", "Estimated: about 0.22 t of bottom ash per tonne of CO2 (1 t of waste burnt gives about 1 t CO2)", ewc="19 01 12")
        o("process_steam_surplus", 0.6 * co2, "MWh", "Estimated: steam export of 0.6 MWh per tonne of CO2 (waste at about 2.8 MWh/t, 20 % exported)", route="emitted")
    elif act == "Production of electricity":
        o("waste_heat_low_temp", 1.0 * co2, "MWh", "Estimated: condenser heat of about 1 MWh per tonne of CO2 (gas plant)", route="emitted")
    elif act in ("Manufacture of fertilisers and nitrogen compounds", "Manufacture of industrial gases"):
        o("co2_offgas", 0.5 * co2, "t", "Estimated: half of the reported CO2 is pure process CO2", route="emitted")
    elif act in ("Manufacture of sugar", "Manufacture of starches and starch products"):
        o("food_waste", 0.5 * co2, "t", "Estimated: wet pulp and fibre residues of 0.5 t per tonne of CO2", ewc="02 04 99" if act == "Manufacture of sugar" else "02 03 04")
    elif act in ("Manufacture of other organic basic chemicals", "Manufacture of plastics in primary forms", "Manufacture of other inorganic basic chemicals"):
        n("process_steam", 1.5 * co2, "MWh", "Estimated: steam demand of 1.5 MWh per tonne of CO2")
    elif act == "Manufacture of paper and paperboard":
        o("paper_sludge", 0.3 * co2, "t", "Estimated: 0.3 t of sludge per tonne of CO2", route="incineration", ewc="03 03 11")
    facilities.append({"id": fid, "name": r["FacilityName"].strip(), "operator": "",
                       "sector": EPRTR_NACE.get(act, act), "location": {"lat_deg": round(lat, 6), "lon_deg": round(lon, 6)},
                       "address": ", ".join(x for x in [r["City"].strip(), r["CountryName"].strip()] if x),
                       "country": COUNTRY.get(r["CountryName"].strip(), None),
                       "tags": ["E-PRTR 2014"], "outputs": outs, "needs": needs,
                       "attributes": {"co2_eprtr_2014_t": f"{co2:.0f}", "source": "E-PRTR 2014"}})

# Demand points no register lists, added by hand from public knowledge (approximate positions,
# estimated quantities): where the region's heat and CO2 could go.
HAND = [
    ("XWL", "Westland greenhouse area (approximate)", "A01.13", 51.995, 4.215,
     [("greenhouse_heat", 400000, "MWh", "Estimated: part of the heat demand of about 2,000 ha of glasshouses"),
      ("industrial_co2", 150000, "t", "Estimated: CO2 enrichment beyond what OCAP delivers")]),
    ("XTZ", "Terneuzen greenhouses (Koegorspolder, approximate)", "A01.13", 51.320, 3.850,
     [("greenhouse_heat", 150000, "MWh", "Estimated: about 150 ha of glasshouses"),
      ("industrial_co2", 40000, "t", "Estimated: CO2 enrichment")]),
    ("XRD", "Rotterdam district heating (approximate feed-in)", "D35.30", 51.890, 4.420,
     [("district_heat", 1500000, "MWh", "Estimated: heat fed into the Rotterdam network")]),
    ("XGE", "Ghent district heating (approximate feed-in)", "D35.30", 51.060, 3.730,
     [("district_heat", 200000, "MWh", "Estimated: heat for the Ghent network")]),
]
for fid, name, nace, lat, lon, wants in HAND:
    facilities.append({"id": fid, "name": name, "operator": "", "sector": nace,
                       "location": {"lat_deg": lat, "lon_deg": lon}, "address": "",
                       "country": "BE" if fid == "XGE" else "NL", "tags": ["added by hand"],
                       "outputs": [], "needs": [need(fid, i + 1, *w) for i, w in enumerate(wants)],
                       "attributes": {"source": "added by hand from public knowledge; position and quantity approximate"}})

# Hotmaps and E-PRTR name some sites in capitals; keep ids unique.
ids = [f["id"] for f in facilities]
assert len(set(ids)) == len(ids)
region = {
  "format_version": 3,
  "name": "Rhine-Scheldt delta industrial sites (public registers)",
  "description": (f"{len(facilities)} industrial sites between Ghent, Antwerp, Zeeland and Rotterdam from the Hotmaps "
                  "Industrial Database (CC BY 4.0) and the E-PRTR 2014 CO2 emitters (EEA). Positions, names, sectors, "
                  "CO2 and the excess heat reported by Hotmaps are real; by-product streams and needs are estimated from "
                  "sector ratios stated in each stream's description. Six Hotmaps sites whose name contradicts their subsector were "
                  "corrected (see each site's sector_note). Four demand points no register lists (greenhouse areas, district heating) "
                  "were added by hand and are tagged so. "
                  f"{len(skipped)} E-PRTR entries within 1 km of a Hotmaps site were taken as the same site and left out."),
  "currency": "EUR",
  "settings": {"detour_factor": 1.3, "carbon_price_per_t_co2": 0.0, "transport_cost_factor": 1.0},
  "facilities": facilities,
  "catalogue": {"builtin_rules": True},
  "notes": [{"text": "Source: Hotmaps Industrial Database, Hotmaps project (CC BY 4.0); Source: European Environment Agency, E-PRTR."}],
}
with open("sample-regions/rhine-scheldt-delta.json", "w") as f:
    json.dump(region, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(len(facilities), "facilities;", len(skipped), "E-PRTR duplicates skipped;",
      sum(len(f["outputs"]) for f in facilities), "outputs,", sum(len(f["needs"]) for f in facilities), "needs")
