#!/usr/bin/env python3
"""Writes sample-regions/calibration-cases.json: documented real industrial-symbiosis exchanges
entered as a planner would enter them (sites at their real positions, the published
quantities, today's outlets and supplies as the cases describe them, catalogue defaults
elsewhere). docs/CALIBRATION.md sets the engine's value and CO2 for each case beside the
published figures; tests/calibration.rs recomputes that table from this file.

Positions are approximate (to a few hundred metres). Each facility is tagged with its case
(`case:C1` ...). Run from the repository root: python3 tools/build_calibration_cases.py
"""
import json

def fac(id, name, lat, lon, country, case, outputs=(), needs=(), note=""):
    return {"id": id, "name": name, "sector": "", "location": {"lat_deg": lat, "lon_deg": lon},
            "country": country, "tags": [f"case:{case}"], "outputs": list(outputs), "needs": list(needs),
            "attributes": {"case_note": note} if note else {}}

def out(id, material, qty, unit, outlet, desc, **kw):
    o = {"id": id, "material": material, "quantity_per_yr": qty, "unit": unit, "description": desc,
         "outlet": outlet}
    o.update(kw)
    return o

def need(id, material, qty, unit, desc, supply=None, **kw):
    n = {"id": id, "material": material, "quantity_per_yr": qty, "unit": unit, "description": desc}
    if supply:
        n["supply"] = supply
    n.update(kw)
    return n

F = [
 # C1 Kalundborg Symbiosis, the main documented flows (Kalundborg Symbiosis; Bigadan; H3 [25][82][87]).
 fac("K-ASN", "Asnaes power station (Orsted)", 55.6620, 11.0840, "DK", "C1",
     outputs=[out("K-gypsum", "fgd_gypsum", 200000, "t", {"kind": "sold"},
                  "FGD gypsum, 200 000 t/yr to Gyproc since 1993; without the link it would be sold on the market (outlet: sold at the catalogue's market price)"),
              out("K-heat", "process_steam_surplus", 100000, "MWh", {"kind": "emitted"},
                  "Surplus steam and heat, the network's 100 GWh/yr of energy exchanged, condensed otherwise")],
     needs=[need("K-water", "process_water", 3600000, "m3", "Cooling and process water: the network's 3.6 Mm3/yr of water exchanged")]),
 fac("K-GYP", "Gyproc plasterboard", 55.6700, 11.0920, "DK", "C1",
     needs=[need("K-gyp-in", "natural_gypsum", 200000, "t", "Gypsum for plasterboard")]),
 fac("K-NOVO", "Novo Nordisk and Novozymes", 55.6560, 11.1060, "DK", "C1",
     outputs=[out("K-yeast", "fermentation_biomass", 300000, "t", {"kind": "land_spreading"},
                  "Yeast cream, 300 000 t/yr; spread on farmland as NovoGro before the biogas plant")],
     needs=[need("K-steam", "process_steam", 100000, "MWh", "Process steam, from the company's own gas boilers otherwise",
                 {"heat_source": "gas_boiler"})]),
 fac("K-BIO", "Kalundborg Bioenergy (Bigadan)", 55.6520, 11.1180, "DK", "C1",
     needs=[need("K-substrate", "maize_silage", 150000, "t", "Biogas substrate: 30 million m3 of biogas a year")]),
 fac("K-REF", "Kalundborg refinery", 55.6720, 11.1260, "DK", "C1",
     outputs=[out("K-coolwater", "used_cooling_water", 3600000, "m3", {"kind": "sewer"},
                  "Used cooling water, reused by the power station since 1987")]),
 # C2 Ulsan: Seongam incinerator steam to Hyosung Yongyeon (H3 [95][96]).
 fac("U-SEO", "Seongam municipal waste incinerator", 35.5080, 129.3550, "KR", "C2",
     outputs=[out("U-steam", "process_steam_surplus", 56200, "MWh", {"kind": "emitted"},
                  "Steam: 151 554 t from June 2008 to December 2009, 101 000 t/yr, at 0.556 MWh/t")]),
 fac("U-HYO", "Hyosung Yongyeon plant", 35.4910, 129.3660, "KR", "C2",
     needs=[need("U-steam-in", "process_steam", 56200, "MWh", "Process steam; its own production cost was about KRW 42 900 per t (24.2 EUR/t, 43.6 EUR/MWh)",
                 {"price_per_unit": 43.6, "heat_source": "gas_boiler"})]),
 # C3 Ulsan steam highway: SK Chemicals to SK Energy, 6.2 km (H3 [75]).
 fac("U-SKC", "SK Chemicals Ulsan", 35.5130, 129.3590, "KR", "C3",
     outputs=[out("U-skc-steam", "process_steam_surplus", 444800, "MWh", {"kind": "emitted"},
                  "Surplus steam, up to 100 t/h; 8 000 h a year at 0.556 MWh/t")]),
 fac("U-SKE", "SK Energy Ulsan complex", 35.4700, 129.3600, "KR", "C3",
     needs=[need("U-ske-steam", "process_steam", 444800, "MWh", "Process steam, otherwise from its own boilers at the Korean industrial steam cost of C2",
                 {"price_per_unit": 43.6, "heat_source": "gas_boiler"})]),
 # C4 OCAP: Shell Pernis hydrogen-plant CO2 to the Westland greenhouses (H3 [71][72][93]).
 fac("O-PER", "Shell Pernis refinery (hydrogen plant)", 51.8850, 4.3950, "NL", "C4",
     outputs=[out("O-co2", "co2_offgas", 400000, "t", {"kind": "emitted"}, "Pure CO2, about 400 kt/yr delivered")]),
 fac("O-WES", "Westland greenhouses (about 580 growers)", 51.9950, 4.2150, "NL", "C4",
     needs=[need("O-co2-in", "industrial_co2", 400000, "t", "CO2 for enrichment, otherwise from burning natural gas in summer")]),
 # C5 Warmtebedrijf Rotterdam: AVR Rozenburg heat to Rotterdam-Zuid, 26 km (H3 [73][74][101]).
 fac("W-AVR", "AVR Rozenburg waste-to-energy", 51.9150, 4.2350, "NL", "C5",
     outputs=[out("W-heat", "waste_heat_medium_temp", 400000, "MWh", {"kind": "emitted"},
                  "Hot water (about 120 C) for about 50 000 homes; 400 000 MWh/yr, 8 MWh a home, is an assumption (the quantity is not published)")]),
 fac("W-RZ", "Rotterdam-Zuid heat network", 51.8800, 4.5000, "NL", "C5",
     needs=[need("W-dh", "district_heat", 400000, "MWh", "Network heat, otherwise from gas boilers", {"heat_source": "gas_boiler"})]),
 # C6 Adnams: brewery and food waste to the Bio-AD plant at Reydon (H3 [42][103]).
 fac("A-ADN", "Adnams distribution centre and brewery", 52.3330, 1.6560, "UK", "C6",
     outputs=[out("A-waste", "food_waste", 12500, "t", {"kind": "unspecified"}, "Brewery and food waste, 12 500 t/yr")]),
 fac("A-AD", "Adnams Bio Energy AD plant", 52.3380, 1.6600, "UK", "C6",
     needs=[need("A-sub", "maize_silage", 20000, "t", "Digester substrate; 4.8 GWh/yr of gas published")]),
]

region = {
  "format_version": 3,
  "name": "Calibration cases: documented real exchanges",
  "description": ("Documented industrial-symbiosis exchanges entered as a planner would: real positions (approximate), "
                  "published quantities, today's outlets and supplies as the cases describe them, catalogue defaults "
                  "elsewhere. docs/CALIBRATION.md compares the engine's figures with the published ones."),
  "currency": "EUR",
  "settings": {"detour_factor": 1.3, "carbon_price_per_t_co2": 0.0, "transport_cost_factor": 1.0},
  "facilities": F,
  "catalogue": {"builtin_rules": True},
}
with open("sample-regions/calibration-cases.json", "w") as f:
    json.dump(region, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(len(F), "facilities")
