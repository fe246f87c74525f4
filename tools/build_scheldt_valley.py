#!/usr/bin/env python3
"""Writes sample-regions/scheldt-valley.json: a fictional industrial cluster along the
Ghent-Terneuzen canal (real geography, invented companies), about 40 sites that exercise
every material category and all three kinds of match (direct, indirect, cascaded).

Quantities and costs are plausible for sites of this kind; they are illustrative, not data
about real firms. Run from the repository root: python3 tools/build_scheldt_valley.py
"""
import json

def fac(id, name, nace, lat, lon, operator="", outputs=(), needs=(), rail=False, quay=False,
        confidential=False, tags=(), address=""):
    return {"id": id, "name": name, "operator": operator, "sector": nace,
            "location": {"lat_deg": lat, "lon_deg": lon}, "address": address, "tags": list(tags),
            "confidential": confidential, "rail_siding": rail, "quay": quay,
            "outputs": list(outputs), "needs": list(needs)}

def out(id, material, qty, unit="t", ewc=None, desc="", comp=None, state=None, moisture=None,
        cv=None, avail=None, disposal=None, route=None, hazardous=False, density=None):
    o = {"id": id, "material": material, "description": desc, "quantity_per_yr": qty, "unit": unit}
    if ewc: o["ewc_code"] = ewc
    if comp: o["composition"] = [{"name": k, "mass_pct": v} for k, v in comp.items()]
    if state: o["physical_state"] = state
    if moisture is not None: o["moisture_pct"] = moisture
    if density is not None: o["bulk_density_t_per_m3"] = density
    if cv is not None: o["variability_cv_pct"] = cv
    o["availability"] = avail or {"pattern": "continuous"}
    kind, cost, revenue, buyer = OUTLETS[id]
    outlet = {"kind": kind}
    if cost is not None: outlet["cost_per_unit"] = cost
    if revenue is not None: outlet["revenue_per_unit"] = revenue
    if buyer: outlet["buyer"] = buyer
    o["outlet"] = outlet
    if hazardous: o["hazardous"] = True
    return o

def need(id, material, qty, unit="t", desc="", spec=None, avail=None, price=None):
    n = {"id": id, "material": material, "description": desc, "quantity_per_yr": qty, "unit": unit}
    if spec: n["spec"] = spec
    n["availability"] = avail or {"pattern": "continuous"}
    supply = dict(SUPPLY.get(id, {}))
    if price is not None: supply["price_per_unit"] = price
    if supply: n["supply"] = supply
    return n

# What each stream does today (kind, cost per unit, revenue per unit, who takes it): the
# counterfactual every exchange is measured against. None leaves the catalogue's default for
# the outlet, the material and Belgium (the region's country). Illustrative, like the rest.
OUTLETS = {
    "SV01-flyash": ("sold", None, 10, "an ash trader (EN 450 ash for concrete)"),
    "SV01-gypsum": ("sold", None, 5, "a cement works abroad, which pays the transport"),
    "SV01-bottomash": ("given_away", None, None, "a road builder, collected for free"),
    "SV01-heat": ("emitted", None, None, "the cooling tower"),
    "SV01-scrubwater": ("sewer", None, None, ""),
    "SV02-ckd": ("landfill", 40, None, "hazardous-waste landfill, contract price"),
    "SV06-bfs": ("sold", None, 15, "a slag grinder (GGBS)"),
    "SV06-bof": ("given_away", None, 2, "road builders, who pay 2 EUR/t"),
    "SV06-scale": ("sold", None, 20, "a sinter plant abroad"),
    "SV06-dust": ("landfill", 160, None, "hazardous-waste landfill"),
    "SV06-steam": ("emitted", None, None, "condensed in the site's condensers"),
    "SV07-pickle": ("unspecified", 180, None, "a regeneration plant"),
    "SV08-dross": ("unspecified", 150, None, ""),
    "SV08-sand": ("landfill", 40, None, "inert-waste landfill"),
    "SV09-sand": ("landfill", 40, None, "inert-waste landfill"),
    "SV10-scrap": ("sold", None, 320, "scrap traders"),
    "SV11-bsg": ("sold", None, 35, "two dairy farmers, who collect it (wet grain sells at about 60 EUR/t delivered in the Netherlands)"),
    "SV11-co2": ("emitted", 0, None, ""),
    "SV11-water": ("sewer", 0.3, None, "discharged after the on-site treatment"),
    "SV12-whey": ("given_away", None, None, "pig farmers, who collect it"),
    "SV12-water": ("sewer", 0.3, None, "discharged after the on-site treatment"),
    "SV13-former": ("sold", None, 40, "a feed processor, which collects the returns"),
    "SV14-peel": ("given_away", None, None, "a digester in Ghent, which collects it"),
    "SV15-manure": ("land_spreading", None, None, "contractors, on rented land"),
    "SV16-slurry": ("land_spreading", 20, None, "manure processors and contractors"),
    "SV17-digestate": ("land_spreading", None, None, ""),
    "SV19-sludge": ("incineration", 65, None, "a sludge incinerator, long-term contract"),
    "SV19-effluent": ("sewer", 0, None, "discharged to the river"),
    "SV22-h2": ("used_on_site", None, None, "burnt in the site's own steam boiler"),
    "SV22-caustic": ("unspecified", 150, None, ""),
    "SV23-steam": ("emitted", None, None, "condensed"),
    "SV24-co2": ("emitted", 0, None, ""),
    "SV25-sulphur": ("sold", None, 95, "the spot market"),
    "SV25-co2": ("emitted", 0, None, ""),
    "SV26-glycerol": ("sold", None, 150, "a glycerine trader"),
    "SV27-uco": ("sold", None, 830, "a biodiesel feedstock trader"),
    "SV28-fat": ("sold", None, 800, "a biodiesel plant in the Netherlands"),
    "SV29-sawdust": ("sold", None, 50, "a pellet maker"),
    "SV29-bark": ("sold", None, 20, "a garden-products firm"),
    "SV29-chips": ("sold", None, 60, "a board maker abroad"),
    "SV30-heat": ("emitted", None, None, "dryer exhaust to air"),
    "SV31-ash": ("landfill", 60, None, "mineral-waste landfill"),
    "SV31-heat": ("emitted", None, None, "air coolers"),
    "SV32-rubble": ("sold", None, 5, "sold as crushed rubble"),
    "SV32-wood": ("incineration", None, None, ""),
    "SV34-cullet": ("sold", None, 35, "a glassworks abroad"),
    "SV35-heat": ("emitted", None, None, "the stack"),
    "SV36-mixed": ("incineration", 110, None, ""),
    "SV37-film": ("sold", None, 250, "a film recycler (clean production scrap)"),
    "SV39-sludge": ("incineration", 45, None, "co-fired in a neighbour's boiler, with a gate fee"),
    "SV39-deink": ("incineration", 45, None, "co-fired in a neighbour's boiler, with a gate fee"),
    "SV40-cardboard": ("sold", None, 40, "a paper collector, loose"),
    "SV40-film": ("given_away", None, None, "a collector, with the store's other film"),
    "SV41-tyres": ("incineration", 80, None, "a cement kiln abroad, with a gate fee"),
}

# What needs buy today, beyond the price: origin, distance, supplier, heat source.
SUPPLY = {
    "SV02-slag": {"origin": "secondary", "distance_km": 150, "mode": "barge", "supplier": "a steelworks in Dunkirk"},
    "SV02-flyash": {"origin": "secondary", "distance_km": 180, "mode": "truck", "supplier": "a power station in the Netherlands"},
    "SV06-scrap": {"origin": "secondary", "distance_km": 120, "mode": "barge", "supplier": "scrap yards along the Scheldt"},
    "SV12-steam": {"heat_source": "gas_boiler"},
    "SV14-steam": {"heat_source": "gas_boiler"},
    "SV20-heat": {"heat_source": "gas_boiler"},
    "SV21-heat": {"heat_source": "gas_boiler", "supplier": "the city's gas-fired heat plant"},
    "SV22-steam": {"heat_source": "gas_boiler"},
    "SV35-cullet": {"origin": "secondary", "distance_km": 90, "mode": "truck", "supplier": "cullet processors"},
    "SV36-film": {"origin": "secondary", "distance_km": 60, "mode": "truck"},
    "SV39-rcp": {"origin": "secondary", "distance_km": 80, "mode": "truck", "supplier": "paper collectors"},
    "SV39-steam": {"heat_source": "gas_boiler"},
}

WINTER = {"pattern": "continuous", "months": [1, 2, 3, 4, 10, 11, 12]}
GROWING = {"pattern": "continuous", "months": [3, 4, 5, 6, 7, 8, 9, 10]}
SPREADING = {"pattern": "continuous", "months": [2, 3, 4, 5, 6, 8, 9]}

F = [
 fac("SV01", "Scheldt Power Station", "D35.11", 51.1890, 3.8075, "Scheldt Energy NV",
     outputs=[
      out("SV01-flyash", "fly_ash", 62000, ewc="10 01 02", desc="Dry fly ash from the electrostatic precipitators (coal with 20 % biomass co-firing)",
          comp={"SiO2": 51.0, "Al2O3": 26.0, "Fe2O3": 7.0, "CaO": 5.0, "unburnt_carbon": 3.8, "Cl": 0.02}, moisture=0.5, cv=12, disposal=45),
      out("SV01-gypsum", "fgd_gypsum", 85000, ewc="10 01 05", desc="FGD gypsum from the wet limestone scrubber, vacuum-belt dewatered",
          comp={"CaSO4_2H2O": 96.5, "Cl": 0.008, "CaCO3": 1.5}, moisture=9.0, cv=6, disposal=35),
      out("SV01-bottomash", "bottom_ash", 11000, ewc="10 01 01", desc="Boiler bottom ash", moisture=18, disposal=40),
      out("SV01-heat", "waste_heat_medium_temp", 180000, unit="MWh", desc="Heat from the condenser and flue-gas cooler at 95-120 C", route="emitted", disposal=1.5),
      out("SV01-scrubwater", "calcium_rich_wastewater", 250000, unit="m3", desc="Scrubber purge, rich in dissolved calcium", comp={"CaCO3": 0.4}, disposal=0.6, route="other"),
     ],
     needs=[need("SV01-chips", "wood_chips_fuel", 120000, desc="Biomass for co-firing, taken by the shipload or in lots of at least 2 000 t", spec={"max_moisture_pct": 50.0, "min_lot": 2000.0}),
            need("SV01-limestone", "limestone", 55000, desc="Limestone for the FGD scrubber", spec={"min_constituents": [{"name": "CaCO3", "mass_pct": 90.0}]}, price=32)],
     rail=True, quay=True, tags=["ETS", "canal port"]),
 fac("SV02", "Valley Cement Works", "C23.51", 51.2700, 3.8230, "Valley Materials SA",
     outputs=[out("SV02-ckd", "cement_kiln_dust", 9000, ewc="10 13 06", desc="Bypass dust", moisture=0.5, disposal=40)],
     needs=[need("SV02-slag", "blast_furnace_slag", 250000, desc="Granulated slag for CEM III", price=42),
            need("SV02-flyash", "fly_ash", 40000, desc="Siliceous fly ash for CEM II/B-V", spec={"max_constituents": [{"name": "unburnt_carbon", "mass_pct": 5.0}]}, price=25),
            need("SV02-coal", "coal", 90000, desc="Kiln fuel; the precalciner burns alternative fuels of at least 8 MJ/kg", spec={"min_lhv_mj_per_kg": 8.0}, price=125),
            need("SV02-gypsum", "natural_gypsum", 30000, desc="Set retarder", price=22)],
     rail=True, quay=True, tags=["ETS"]),
 fac("SV03", "Canal Ready-Mix (north)", "C23.63", 51.2410, 3.8150, "Canal Concrete BV",
     needs=[need("SV03-cement", "portland_cement", 45000, desc="CEM I 52.5 R", price=112),
            need("SV03-agg", "natural_aggregate", 220000, desc="Sand and gravel 0/32", price=16)]),
 fac("SV04", "Ghent Ready-Mix (south)", "C23.63", 51.0870, 3.7480, "Canal Concrete BV",
     needs=[need("SV04-cement", "portland_cement", 38000, price=115),
            need("SV04-agg", "natural_aggregate", 180000, price=17)]),
 fac("SV05", "Scheldt Plasterboard", "C23.62", 51.1620, 3.7960, "Gypline NV",
     needs=[need("SV05-gypsum", "natural_gypsum", 160000, desc="Gypsum for board production",
                 spec={"min_constituents": [{"name": "CaSO4_2H2O", "mass_pct": 95.0}], "max_constituents": [{"name": "Cl", "mass_pct": 0.01}], "max_moisture_pct": 10.0}, price=24)],
     quay=True),
 fac("SV06", "Delta Steel", "C24.10", 51.1530, 3.8060, "Delta Steel NV",
     outputs=[
      out("SV06-bfs", "blast_furnace_slag", 820000, ewc="10 02 02", desc="Granulated blast furnace slag", comp={"CaO": 40.0, "SiO2": 35.0, "MgO": 9.0, "Al2O3": 11.0}, moisture=10, cv=5, disposal=30),
      out("SV06-bof", "steel_slag", 310000, ewc="10 02 02", desc="Converter slag, unweathered", comp={"CaO": 45.0, "Fe2O3": 20.0, "SiO2": 13.0}, moisture=4, cv=15, disposal=30),
      out("SV06-scale", "mill_scale", 42000, ewc="10 02 10", desc="Hot-rolling mill scale, oily", comp={"Fe": 70.0}, moisture=6, disposal=30),
      out("SV06-dust", "zinc_dust", 6000, ewc="10 02 07", desc="Filter dust from the BOF secondary dedusting", comp={"Zn": 18.0, "Fe": 35.0}, moisture=2, hazardous=True, disposal=160),
      out("SV06-steam", "process_steam_surplus", 210000, unit="MWh", desc="Steam from waste-heat boilers, 20 bar", route="emitted", disposal=2),
     ],
     needs=[need("SV06-scrap", "scrap_steel", 420000, desc="Heavy melting scrap", price=360),
            need("SV06-ore", "iron_ore", 5200000, desc="Sinter feed", price=102),
            need("SV06-lime", "limestone", 300000, desc="Flux", price=30)],
     rail=True, quay=True, tags=["ETS", "canal port"], confidential=True),
 fac("SV07", "Terneuzen Galvanising", "C25.61", 51.3150, 3.8300, "Zincotec BV",
     outputs=[out("SV07-pickle", "spent_pickling_acid", 14000, ewc="11 01 05", desc="Spent HCl pickling liquor, about 120 g/l Fe", hazardous=True, disposal=180, route="other")],
     needs=[need("SV07-hcl", "hydrochloric_acid", 12000, desc="HCl 32 %", price=160)]),
 fac("SV08", "Lys Aluminium Foundry", "C24.53", 51.0650, 3.7020, "Lys Castings",
     outputs=[out("SV08-dross", "aluminium_dross", 3200, ewc="10 03 16", desc="Dross skimmed from the melting furnaces", comp={"Al": 45.0}, disposal=150),
              out("SV08-sand", "foundry_sand", 18000, ewc="10 10 08", desc="Chemically bonded core sand", comp={"SiO2": 96.0}, moisture=2, disposal=40)],
     needs=[need("SV08-sand-new", "silica_sand", 20000, desc="Core sand", price=48),
            need("SV08-al", "primary_aluminium", 30000, desc="Ingot", price=2250)]),
 fac("SV09", "Scheldt Iron Foundry", "C24.51", 51.1100, 3.6600, "Scheldt Foundry NV",
     outputs=[out("SV09-sand", "foundry_sand", 26000, ewc="10 09 08", desc="Spent green sand", comp={"SiO2": 88.0}, moisture=4, disposal=40)],
     needs=[need("SV09-scrap", "scrap_steel", 45000, price=370)]),
 fac("SV10", "Port Metal Recycling", "E38.32", 51.2200, 3.8100, "PortMetal",
     outputs=[out("SV10-scrap", "scrap_steel", 130000, ewc="19 12 02", desc="Sorted shredder and heavy scrap, sold today to traders", disposal=-320, route="other")],
     quay=True, rail=True),
 fac("SV11", "Abbey Brewery", "C11.05", 51.0720, 3.7400, "Abbey Brewers NV",
     outputs=[
      out("SV11-bsg", "spent_grain", 24000, ewc="02 07 04", desc="Wet brewers' spent grain", comp={"protein": 24.0, "fat": 8.0}, moisture=78, cv=8,
          avail={"pattern": "batches", "batch_quantity": 120.0, "every_days": 1.5}, disposal=30, route="other"),
      out("SV11-co2", "co2_offgas", 2800, desc="Fermentation CO2, 99.9 %", comp={"CO2": 99.9}, route="emitted", disposal=0),
      out("SV11-water", "treated_wastewater", 320000, unit="m3", desc="Effluent after the on-site anaerobic and aerobic treatment", disposal=0.3, route="sewer"),
     ],
     needs=[need("SV11-water-in", "process_water", 650000, unit="m3", price=1.6)]),
 fac("SV12", "Flanders Dairy", "C10.51", 51.0420, 3.7700, "Flanders Dairy Coop",
     outputs=[out("SV12-whey", "whey", 58000, ewc="02 05 01", desc="Sweet whey from cheese making", moisture=94, disposal=15, route="other"),
              out("SV12-water", "treated_wastewater", 480000, unit="m3", disposal=0.3, route="sewer")],
     needs=[need("SV12-water-in", "process_water", 820000, unit="m3", price=1.7),
            need("SV12-naoh", "caustic_soda", 1200, desc="CIP cleaning", price=460),
            need("SV12-steam", "process_steam", 28000, unit="MWh", desc="Pasteurisation and evaporation", price=55)]),
 fac("SV13", "Golden Crust Bakeries", "C10.71", 51.0500, 3.6900, "Golden Crust",
     outputs=[out("SV13-former", "former_foodstuffs", 4200, ewc="02 06 01", desc="Unsold bread and bakery returns", moisture=25, disposal=50, route="incineration")]),
 fac("SV14", "Meadow Vegetables", "C10.39", 51.0300, 3.6300, "Meadow Foods",
     outputs=[out("SV14-peel", "food_waste", 21000, ewc="02 03 04", desc="Peel, trimmings and rejects", moisture=82, cv=25,
                  avail={"pattern": "continuous", "months": [6, 7, 8, 9, 10, 11]}, disposal=50)],
     needs=[need("SV14-steam", "process_steam", 18000, unit="MWh", price=52)]),
 fac("SV15", "Meetjesland Dairy Farms", "A01.41", 51.2000, 3.5500, "Meetjesland Coop",
     outputs=[out("SV15-manure", "manure", 45000, ewc="02 01 06", desc="Cattle slurry", moisture=91, disposal=15, route="land_spreading")],
     needs=[need("SV15-feed", "compound_feed", 9000, desc="Dairy compound feed", price=360)]),
 fac("SV16", "Waasland Pig Farms", "A01.46", 51.1600, 4.0200, "Waasland Varkens",
     outputs=[out("SV16-slurry", "manure", 38000, ewc="02 01 06", desc="Pig slurry", moisture=94, disposal=20, route="land_spreading")],
     needs=[need("SV16-feed", "compound_feed", 14000, desc="Pig feed; wet by-products welcome", price=340)]),
 fac("SV17", "Evergem Biogas", "D35.21", 51.1250, 3.7100, "GreenGas Evergem",
     outputs=[out("SV17-digestate", "digestate", 62000, ewc="19 06 06", desc="Liquid digestate", comp={"N": 5.0, "P2O5": 2.5, "heavy_metals": 0.02}, moisture=92, disposal=10, route="land_spreading")],
     needs=[need("SV17-silage", "maize_silage", 40000, desc="Energy crops and co-substrates", price=36)]),
 fac("SV18", "Polder Arable Cooperative", "A01.11", 51.2500, 3.6200, "Polder Akkerbouw",
     needs=[need("SV18-npk", "mineral_fertiliser_npk", 3500, desc="NPK for cereals and potatoes", avail=SPREADING, price=520),
            need("SV18-lime", "limestone", 2500, desc="Agricultural lime", avail=SPREADING, price=35)]),
 fac("SV19", "Ghent Wastewater Treatment", "E37.00", 51.0800, 3.7700, "Aquafin-like utility (fictional)",
     outputs=[out("SV19-sludge", "sewage_sludge", 32000, ewc="19 08 05", desc="Digested and dewatered sludge", comp={"N": 4.0, "P2O5": 5.0, "heavy_metals": 0.06}, moisture=76, cv=10, disposal=65, route="incineration"),
              out("SV19-effluent", "treated_wastewater", 18000000, unit="m3", desc="Secondary effluent", disposal=0.0, route="other")]),
 fac("SV20", "Westvlaams Greenhouses", "A01.13", 51.1400, 3.6700, "Tomato Growers Assoc.",
     needs=[need("SV20-heat", "greenhouse_heat", 85000, unit="MWh", desc="Heating below 60 C", avail=WINTER, price=40),
            need("SV20-co2", "industrial_co2", 7500, desc="CO2 enrichment", avail=GROWING, price=130)]),
 fac("SV21", "Ghent District Heating", "D35.30", 51.0600, 3.7300, "City Heat",
     needs=[need("SV21-heat", "district_heat", 260000, unit="MWh", desc="Network feed at 90 C", price=50)]),
 fac("SV22", "Canal Chlor-Alkali", "C20.13", 51.2000, 3.8180, "Chlorotech NV",
     outputs=[out("SV22-h2", "hydrogen_offgas", 2100, desc="By-product hydrogen from the membrane cells", comp={}, route="emitted", disposal=0),
              out("SV22-caustic", "spent_caustic", 9000, ewc="06 02 05", desc="Weak caustic from gas scrubbing, about 8 % NaOH", comp={"NaOH": 8.0}, hazardous=True, disposal=150, route="other")],
     needs=[need("SV22-steam", "process_steam", 110000, unit="MWh", price=55)], rail=True, quay=True, confidential=True),
 fac("SV23", "Sulphur Acid Plant", "C20.13", 51.2900, 3.8250, "Acidum BV",
     outputs=[out("SV23-steam", "process_steam_surplus", 140000, unit="MWh", desc="Steam from the sulphur burner waste-heat boiler", route="emitted", disposal=2)],
     needs=[need("SV23-sulphur", "elemental_sulphur", 110000, desc="Molten sulphur", spec={"accepted_states": ["solid", "liquid"]}, price=150)],
     quay=True),
 fac("SV24", "Polder Fertilisers", "C20.15", 51.3000, 3.8400, "Polder Agro Chem",
     outputs=[out("SV24-co2", "co2_offgas", 90000, desc="Pure CO2 from ammonia synthesis gas", comp={"CO2": 99.5}, route="emitted", disposal=0)],
     needs=[need("SV24-acid", "sulphuric_acid", 200000, desc="For phosphoric acid", price=105)], quay=True, rail=True),
 fac("SV25", "North Sea Refinery", "C19.20", 51.3300, 3.8100, "NSR",
     outputs=[out("SV25-sulphur", "recovered_sulphur", 75000, ewc="05 01 16", desc="Claus sulphur, sold today on the spot market", comp={}, disposal=-95, route="other"),
              out("SV25-co2", "co2_offgas", 120000, desc="Hydrogen-plant CO2", comp={"CO2": 98.0}, route="emitted", disposal=0)],
     needs=[need("SV25-water", "process_water", 4000000, unit="m3", price=1.2)], quay=True, confidential=True),
 fac("SV26", "Ghent Biodiesel", "C20.59", 51.1850, 3.8000, "BioFuel Flanders",
     outputs=[out("SV26-glycerol", "crude_glycerol", 16000, ewc="07 01 99", desc="Crude glycerol, about 80 %", comp={"glycerol": 80.0, "methanol": 0.5}, disposal=50, route="other")],
     needs=[need("SV26-oil", "rapeseed_oil", 160000, desc="Feedstock oil", price=1010)], quay=True),
 fac("SV27", "City Oil Collection", "E38.11", 51.0550, 3.7100, "Frituur Recycling",
     outputs=[out("SV27-uco", "used_cooking_oil", 3100, ewc="20 01 25", desc="Collected frying oil, sold today to a trader", disposal=-830, route="other")]),
 fac("SV28", "Flanders Rendering", "C10.11", 51.0000, 3.8000, "Render Flanders",
     outputs=[out("SV28-fat", "animal_fat", 11000, ewc="02 02 03", desc="Category 1 rendered fat", disposal=50, route="incineration")]),
 fac("SV29", "Eecloo Sawmill", "C16.10", 51.1800, 3.5700, "Eecloo Hout",
     outputs=[out("SV29-sawdust", "sawdust", 14000, ewc="03 01 05", desc="Sawdust and planer shavings, loose", moisture=14, density=0.18, disposal=20, route="incineration"),
              out("SV29-bark", "bark", 9000, ewc="03 01 01", desc="Debarker bark", moisture=52, disposal=20, route="incineration"),
              out("SV29-chips", "wood_residue_chips", 26000, ewc="03 01 05", desc="Chipped slabs and offcuts", moisture=45, disposal=15, route="other")]),
 fac("SV30", "Scheldt Particleboard", "C16.21", 51.2300, 3.7700, "Panelco",
     needs=[need("SV30-wood", "particleboard_wood", 310000, desc="Chips, sawdust and recycled wood, bought from processors in lots of at least 1 000 t", spec={"max_moisture_pct": 60.0, "min_lot": 1000.0}, price=62)],
     outputs=[out("SV30-heat", "waste_heat_low_temp", 40000, unit="MWh", desc="Dryer exhaust heat at 70 C", route="emitted", disposal=1)], rail=True),
 fac("SV31", "Rodenhuize Biomass CHP", "D35.11", 51.1300, 3.7800, "BioPower",
     outputs=[out("SV31-ash", "bottom_ash", 6000, ewc="10 01 01", desc="Biomass boiler ash", moisture=20, disposal=40),
              out("SV31-heat", "waste_heat_low_temp", 95000, unit="MWh", desc="Low-temperature heat after the turbine", route="emitted", disposal=1)],
     needs=[need("SV31-chips", "wood_chips_fuel", 140000, desc="Wood chips, taken by barge or in lots of at least 1 500 t", spec={"max_moisture_pct": 55.0, "min_lot": 1500.0}, price=98),
            need("SV31-pellets", "wood_pellets", 25000, desc="Pellets for the start-up boiler", spec={"max_moisture_pct": 10.0}, price=285)], quay=True),
 fac("SV32", "Flanders Demolition Recycling", "E38.32", 51.1000, 3.8300, "Sloop & Recyclage",
     outputs=[out("SV32-rubble", "construction_rubble", 160000, ewc="17 01 07", desc="Mixed concrete and masonry rubble", moisture=6, cv=20, disposal=20),
              out("SV32-wood", "waste_wood", 22000, ewc="17 02 01", desc="Demolition wood, class B", moisture=18, disposal=60, route="incineration")]),
 fac("SV33", "Road Works Flanders", "F42.11", 51.0900, 3.8800, "RoadCo",
     needs=[need("SV33-agg", "natural_aggregate", 420000, desc="Sub-base and base course", price=15)]),
 fac("SV34", "Glass Collection Flanders", "E38.32", 51.0350, 3.7250, "Glasinzameling",
     outputs=[out("SV34-cullet", "glass_cullet", 42000, ewc="20 01 02", desc="Colour-sorted container cullet, sold today to a glassworks abroad", comp={"impurities": 0.004}, moisture=2, disposal=-35, route="other")]),
 fac("SV35", "Zelzate Container Glass", "C23.13", 51.2050, 3.8100, "VerreFlandre",
     outputs=[out("SV35-heat", "waste_heat_medium_temp", 65000, unit="MWh", desc="Furnace flue-gas heat at 180 C", route="emitted", disposal=1.5)],
     needs=[need("SV35-batch", "glass_batch", 260000, desc="Sand, soda ash, limestone batch", price=135),
            need("SV35-cullet", "glass_cullet", 60000, desc="External cullet", spec={"max_constituents": [{"name": "impurities", "mass_pct": 0.005}]}, price=65)], rail=True),
 fac("SV36", "Canal Plastics Recycling", "E38.32", 51.1750, 3.8200, "Polyback",
     outputs=[out("SV36-mixed", "mixed_plastics", 12500, ewc="19 12 04", desc="Sorting residue, mixed polymers", comp={"Cl": 0.6}, moisture=8, disposal=110, route="incineration")],
     needs=[need("SV36-film", "waste_pe_film", 20000, desc="Post-commercial PE film for regranulation", price=150)]),
 fac("SV37", "Flexpack Films", "C22.22", 51.0950, 3.6800, "Flexpack",
     outputs=[out("SV37-film", "waste_pe_film", 3800, ewc="15 01 02", desc="Production scrap and trim, clean", comp={"impurities": 2.0}, moisture=1, disposal=100, route="incineration")],
     needs=[need("SV37-pe", "virgin_pe", 32000, desc="LDPE/LLDPE granulate", price=1230)]),
 fac("SV38", "Bubbles Soft Drinks", "C11.07", 51.0300, 3.7800, "Bubbles NV",
     needs=[need("SV38-co2", "industrial_co2", 4500, desc="Food-grade CO2 for carbonation", price=140),
            need("SV38-pet", "virgin_pet", 11000, desc="Bottle-grade PET", price=1220)]),
 fac("SV39", "Langerbrugge Paper Mill", "C17.12", 51.1150, 3.7650, "NordPaper",
     outputs=[out("SV39-sludge", "paper_sludge", 42000, ewc="03 03 11", desc="Effluent treatment sludge", comp={"ash": 35.0}, moisture=56, disposal=45, route="incineration"),
              out("SV39-deink", "deinking_sludge", 31000, ewc="03 03 05", desc="Deinking sludge, rich in filler", comp={"ash": 50.0, "CaCO3": 30.0}, moisture=52, disposal=45, route="incineration")],
     needs=[need("SV39-rcp", "paper_cardboard_waste", 380000, desc="Recovered paper grades 1.02 and 1.04", price=125),
            need("SV39-pulp", "virgin_pulp", 45000, price=860),
            need("SV39-steam", "process_steam", 310000, unit="MWh", desc="Paper machine drying", price=52)], quay=True, rail=True),
 fac("SV40", "Scheldt Distribution Centre", "H52.10", 51.0400, 3.8400, "RetailLog",
     outputs=[out("SV40-cardboard", "paper_cardboard_waste", 8500, ewc="15 01 01", desc="Loose cardboard from store returns, sold loose to a collector", moisture=9, density=0.08, disposal=-40, route="other"),
              out("SV40-film", "waste_pe_film", 1300, ewc="15 01 02", desc="Pallet stretch film, loose", comp={"impurities": 4.0}, moisture=3, density=0.04, disposal=100, route="incineration")]),
 fac("SV41", "Tyre Collection Flanders", "E38.12", 51.0200, 3.7000, "TyreBack",
     outputs=[out("SV41-tyres", "end_of_life_tyres", 6500, ewc="16 01 03", desc="Passenger and truck tyres, whole", disposal=80, route="other")]),
 fac("SV42", "Zinc Smelter Balen-West", "C24.43", 51.1700, 5.1500, "ZincWorks",
     needs=[need("SV42-zinc", "zinc_concentrate", 90000, desc="Zinc concentrate and secondary zinc oxides", spec={"accepts_hazardous": True}, price=700)], rail=True),
]

# Small wood workshops of the Wondelgem and Mariakerke business parks: each has a skip of clean
# offcuts and shavings that goes to incineration today, far too little for the biomass CHP, which
# takes wood in lots of at least 1 500 t (a barge or a week of truck deliveries to one pile).
# Pooled at a transfer station in the park they fill its lots: the hub the plan should find.
JOINERIES = [
    ("SV43", "Wondelgem Joinery", 51.0905, 3.7105, 820),
    ("SV44", "Mariakerke Kitchens", 51.0830, 3.6800, 640),
    ("SV45", "Pallet Repair Ghent", 51.0950, 3.7230, 900),
    ("SV46", "Canal Timber Frames", 51.1010, 3.7150, 760),
    ("SV47", "Oak Stairs Drongen", 51.0710, 3.6650, 450),
    ("SV48", "Evergem Shopfitters", 51.1060, 3.7000, 580),
    ("SV49", "Flanders Window Frames", 51.0870, 3.7320, 700),
    ("SV50", "Lievekaai Furniture", 51.0790, 3.7050, 520),
    ("SV51", "Ghent Packaging Crates", 51.0980, 3.6920, 880),
    ("SV52", "Drongen Door Makers", 51.0760, 3.6720, 960),
    ("SV53", "Wondelgem Pallet Works", 51.0980, 3.7200, 740),
    ("SV54", "Mariakerke Timber Stairs", 51.0850, 3.6900, 680),
    ("SV55", "Port Crate Builders", 51.1090, 3.7250, 610),
    ("SV56", "Evergem Exhibition Stands", 51.1030, 3.6950, 550),
    ("SV57", "Ghent Garden Sheds", 51.0810, 3.7180, 480),
]
for fid, name, lat, lon, tonnes in JOINERIES:
    OUTLETS[fid + "-wood"] = ("incineration", 60, None, "the municipal incinerator, by skip")
    F.append(fac(fid, name, "C16.23", lat, lon, name,
                 outputs=[out(fid + "-wood", "waste_wood", tonnes, ewc="03 01 05",
                              desc="Clean offcuts and shavings, untreated wood, collected in skips",
                              moisture=15, disposal=60, route="incineration")]))

# Candidate hub sites: a transfer station in the Wondelgem park (transfer_station, built-in
# costs of assets/catalogue/hubs.json) the plan may open.
HUBS = [
    {"id": "H1", "name": "Wondelgem wood transfer station (candidate site)",
     "location": {"lat_deg": 51.0930, "lon_deg": 3.7080}, "hub_type": "transfer_station"},
]

# What a first workshop produced: three proposals drawn on the map, two projects under way.
PROPOSALS = [
    {"id": "W1", "from_facility": "SV01", "stream": "SV01-scrubwater", "to_facility": "SV18", "need": "SV18-lime",
     "note": "The power station says its scrubber blowdown is calcium-rich: could the farmers lime with it?",
     "origin": "workshop", "created": "2026-11-18"},
    {"id": "W2", "from_facility": "SV11", "stream": "SV11-co2", "to_facility": "SV38", "need": "SV38-co2",
     "note": "The brewery's fermentation CO2 is food grade once scrubbed; the soft-drinks plant buys CO2 by truck.",
     "origin": "workshop", "created": "2026-11-18"},
    {"id": "W3", "from_facility": "SV30", "to_facility": "SV20",
     "note": "Particleboard dryer exhaust is warm all winter; the greenhouses are 9 km away. Which stream?",
     "origin": "workshop", "created": "2026-11-18"},
]
PROJECTS = [
    {"id": "J1", "name": "Fly ash to Valley Cement Works", "stage": "feasibility",
     "members": [{"role": "supplier", "facility": "SV01"}, {"role": "receiver", "facility": "SV02"},
                 {"role": "is_planner", "name": "Scheldt Valley IS desk"}],
     "stream": "SV01-flyash", "need": "SV02-flyash",
     "actions": [{"text": "Send three ash samples for EN 450 testing", "due": "2026-12-15"},
                 {"text": "Draft a 3-year supply agreement keeping the landfill contract as backup outlet", "due": "2027-02-01"}],
     "notes": "A 2 000 t buffer silo at the cement works covers the power station's summer outage."},
    {"id": "J2", "name": "Surplus steam from Delta Steel to the paper mill", "stage": "contacted",
     "members": [{"role": "supplier", "facility": "SV06"}, {"role": "receiver", "facility": "SV39"},
                 {"role": "intermediary", "facility": "SV21", "name": "pipeline operator"}],
     "stream": "SV06-steam", "need": "SV39-steam",
     "actions": [{"text": "Meeting of both energy managers", "due": "2026-12-03"}],
     "notes": "The paper mill keeps its gas boiler as backup; the district heating company would build and run the pipe."},
]

region = {
  "format_version": 3,
  "name": "Scheldt Valley industrial cluster (fictional)",
  "description": ("A fictional but realistic cluster of 57 sites along the Ghent-Terneuzen canal: a power station, "
                  "a steelworks, cement and plasterboard, chemicals, food and drink, wood, paper, glass, plastics, "
                  "waste management and fifteen small wood workshops. Quantities and prices are illustrative. Every material category and all three kinds "
                  "of match (direct, indirect, cascaded) occur; several streams need preprocessing or storage to fit "
                  "their receivers."),
  "currency": "EUR",
  "settings": {"detour_factor": 1.3, "carbon_price_per_t_co2": 0.0, "transport_cost_factor": 1.0, "country": "BE"},
  "facilities": F,
  "catalogue": {"builtin_rules": True},
  "notes": [{"text": "The steelworks, the chlor-alkali plant and the refinery asked for their costs to stay confidential in workshops.", "facility_id": "SV06"}],
  "proposals": PROPOSALS,
  "projects": PROJECTS,
  "hubs": HUBS,
}
with open("sample-regions/scheldt-valley.json", "w") as f:
    json.dump(region, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(len(F), "facilities")
