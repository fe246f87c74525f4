//! What the user can ask for: widgets push a [`Command`], and the app applies the commands
//! once per frame, after the frame is laid out (`super::app::SymbiomapApp::apply`; neither this module nor the panels import the app).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::document::Edit;

/// Something the user asked for.
#[derive(Clone, Debug)]
pub enum Command {
    SelectFacility(Option<usize>),
    SelectStream {
        facility: usize,
        stream: usize,
    },
    SelectCandidate(Option<usize>),
    /// Open the edit form of a facility.
    EditFacility(usize),
    SetTool(MapTool),
    /// Select proposal `i`'s sites and fit them into the map.
    ShowProposal(usize),
    OpenProject(usize),
    CloseProject,
    ToggleBoard,
    /// Presentation layout on or off (F5).
    ToggleWorkshop,
    WalkList(WalkList),
    /// Go to item `i` of the walk: select the pair and fly the map to it.
    WalkTo(usize),
    /// Add a facility at this place and open its form.
    AddFacilityAt(crate::model::LatLon),
    /// Add a candidate hub site (a transfer station) at this place.
    AddHubAt(crate::model::LatLon),
    /// Select a candidate hub site and show it in the Plan tab.
    SelectHub(Option<usize>),
    ShowTab(Tab),
    ZoomToFit,
    ZoomToSelection,
    SetBasemap(Basemap),
    /// A change to the region, recorded for undo.
    Edit(Edit),
    Undo,
    Redo,
    ToggleHistory,
    New,
    OpenDialog,
    Open(PathBuf),
    /// One of the built-in sample regions.
    OpenSample(usize),
    Save,
    SaveAsDialog,
    SaveAs(PathBuf),
    ImportDialog,
    /// Ask how to import this file or folder: as a new region, or into the open one.
    Import(PathBuf),
    /// Import as a new region (`merge` false) or into the open region (`merge` true).
    ImportAs {
        path: PathBuf,
        merge: bool,
    },
    ExportDialog,
    Export(PathBuf),
    Quit,
    /// The user answered the unsaved-changes question.
    ResolvePending(PendingChoice),
    DismissMessage(usize),
    /// The plan's cost per exchange and year.
    SetPlanExchangeCost(f64),
    /// The what-if lens: stop plants, choose how long, close it.
    Lens(LensCommand),
    /// Select a pair (the stream, then the candidate to the need) and fly the map to it.
    ShowExchange {
        from_facility: usize,
        stream: usize,
        to_facility: usize,
        need: usize,
    },
}

/// What the side panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The selected facility, its streams and candidates (or the region's overview).
    #[default]
    Inspector,
    /// Exchanges captured in workshops, evaluated.
    Proposals,
    /// The project pipeline.
    Projects,
    /// The region's optimal plan.
    Plan,
}

/// Which basemap draws under the facilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basemap {
    /// Natural Earth, built in: works offline.
    Embedded,
    /// OpenStreetMap tiles, cached on disk.
    OpenStreetMap,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingChoice {
    Save,
    Discard,
    Cancel,
}

/// What the user asks of the lens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LensCommand {
    /// Open the lens with this plant (index into the region's facilities) stopped alone.
    Open(usize),
    /// Stop this plant too.
    Add(usize),
    /// Let this plant run again.
    Remove(usize),
    /// For so many weeks (1 to 52), or for good (`None`).
    SetWeeks(Option<u32>),
    /// Close the lens: the map is as before.
    Close,
}

/// Which list the walk goes through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WalkList {
    /// The region's best exchanges (the greedy plan).
    #[default]
    Opportunities,
    /// What the room proposed.
    Proposals,
    /// The exchanges of the region's optimal plan (solved on a worker when first asked).
    Plan,
    /// The projects: their supply agreements judged and what each still lacks.
    Projects,
}

/// The map's current tool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MapTool {
    /// Click to select; drag a marker to move its facility.
    #[default]
    Select,
    /// Click on the map to put a new facility there.
    AddFacility,
    /// Click one facility, then another: a proposed exchange between them.
    Link,
    /// Click on the map to put a candidate hub site there.
    AddHub,
}

impl MapTool {
    pub fn label(self) -> &'static str {
        match self {
            MapTool::Select => "Select",
            MapTool::AddFacility => "Add facility",
            MapTool::Link => "Link two sites",
            MapTool::AddHub => "Add hub site",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            MapTool::Select => "Click a facility to inspect it; drag a marker to move it.",
            MapTool::AddFacility => "Click on the map where the new facility is.",
            MapTool::Link => {
                "Click the supplier, then the receiver: the room's idea becomes a proposal."
            }
            MapTool::AddHub => {
                "Click on the map where a shared hub could stand: the plan decides whether it pays."
            }
        }
    }
}
