// The map playback component (issue 25): a Streamlit v1 component (iframe) drawing buildings and district outlines
// with deck.gl, offline (no basemap, no CDN). The buildings' positions arrive once per range/filter (`pos`, with
// `key` naming them); every later render carries only the month's class byte per building (`c`, optional column
// heights `h`) and the districts' classes. Play / pause / step / speed run here: a step asks the server for the next
// month by setting the component value {have, month}; the next step is scheduled only after that month is drawn.
//
// For tests, window.__playback exposes what each drawn step gave the layers: colourOf(code, month) is the fill
// colour the building layer's accessor returned for that building in that month (from the class bytes kept per
// month and the palette), districtColourOf(code, month) the same for a district, steps the months drawn in order.
import {Deck, MapView} from '@deck.gl/core';
import {TileLayer} from '@deck.gl/geo-layers';
import {BitmapLayer, ColumnLayer, GeoJsonLayer, ScatterplotLayer} from '@deck.gl/layers';

const S = {
  key: null, lon: null, lat: null, names: [], codes: [], geo: null, months: [], index: 0, playing: false,
  classes: null, heights: null, palette: [], noData: [175, 180, 188], districts: {codes: [], classes: [], text: []},
  districtPalette: [], columns: false, labels: {}, legend: [], legendTitle: '', waiting: null, timer: null,
  view: null, step: 0, tiles: null, districtLegend: [], districtLegendTitle: '',
};
const NO_DATA = 255;
const history = {};  // month -> {classes: Uint8Array, districts: {code: class}}
const exposed = {
  month: null, steps: [], key: null, buildings: 0,
  colourOf(code, month) {
    const at = S.codes.indexOf(code);
    const drawn = history[month || exposed.month];
    if (at < 0 || !drawn) return null;
    return colour(S.palette, drawn.classes[at]);
  },
  districtColourOf(code, month) {
    const drawn = history[month || exposed.month];
    if (!drawn || !(code in drawn.districts)) return null;
    return colour(S.districtPalette, drawn.districts[code]);
  },
};
window.__playback = exposed;

function colour(palette, index) {
  return index === NO_DATA || index === undefined || index >= palette.length ? S.noData : palette[index];
}

function send(type, data) {
  window.parent.postMessage(Object.assign({isStreamlitMessage: true, type}, data), '*');
}

function setValue(value) {
  send('streamlit:setComponentValue', {value, dataType: 'json'});
}

function ask(month) {
  // one request in flight: the month asked for is drawn before the next step is scheduled
  S.waiting = month;
  setValue({have: S.key, month});
}

const el = (id) => document.getElementById(id);
let deck = null;

function tooltip({object, index, layer}) {
  if (!layer) return null;
  if (layer.id === 'buildings' && index >= 0) {
    const cls = S.classes ? S.classes[index] : NO_DATA;
    const item = cls === NO_DATA ? S.labels.no_data : (S.legend[cls] || {}).label;
    return {text: `${S.names[index]}\n${S.months[S.index]}  ${item || ''}`};
  }
  if (layer.id === 'districts' && object) {
    const at = S.districts.codes.indexOf(object.properties.code);
    return {text: `${object.properties.n}\n${S.months[S.index]}  ${at >= 0 ? S.districts.text[at] : '—'}`};
  }
  return null;
}

function layers() {
  const n = S.lon ? S.lon.length : 0;
  const districtClass = {};
  S.districts.codes.forEach((code, i) => { districtClass[code] = S.districts.classes[i]; });
  const out = [];
  if (S.tiles) {  // only when DASHBOARD_TILE_URL is set: raster tiles from the bureau's own server under everything
    out.push(new TileLayer({
      id: 'tiles', data: S.tiles, minZoom: 0, maxZoom: 19, tileSize: 256,
      renderSubLayers: (props) => {
        const {boundingBox} = props.tile;
        return new BitmapLayer(props, {
          data: null, image: props.data,
          bounds: [boundingBox[0][0], boundingBox[0][1], boundingBox[1][0], boundingBox[1][1]],
        });
      },
    }));
  }
  if (S.geo) {
    out.push(new GeoJsonLayer({
      id: 'districts', data: S.geo, filled: true, stroked: true, pickable: true,
      // a light tint of the districts' class: the buildings' own colours on top must stay readable
      getFillColor: (f) => [...colour(S.districtPalette, districtClass[f.properties.code]), 70],
      getLineColor: [90, 100, 115], lineWidthMinPixels: 1,
      updateTriggers: {getFillColor: S.step},
    }));
  }
  if (n) {
    const data = {length: n};
    const position = (_, {index}) => [S.lon[index], S.lat[index]];
    const fill = (_, {index}) => colour(S.palette, S.classes ? S.classes[index] : NO_DATA);
    if (S.columns) {
      out.push(new ColumnLayer({
        id: 'buildings', data, diskResolution: 6, radius: 90, extruded: true, pickable: true,
        getPosition: position, getFillColor: fill,
        getElevation: (_, {index}) => (S.heights ? S.heights[index] : 0) * 30,  // up to 7,500 m: read at city zoom
        updateTriggers: {getFillColor: S.step, getElevation: S.step},
      }));
    } else {
      out.push(new ScatterplotLayer({
        id: 'buildings', data, radiusUnits: 'pixels', getRadius: 4, pickable: true, stroked: true,
        getLineColor: [255, 255, 255, 160], lineWidthMinPixels: 0.5,  // as on the map page: a point on its class's tint
        getPosition: position, getFillColor: fill, updateTriggers: {getFillColor: S.step},
      }));
    }
  }
  return out;
}

function draw() {
  if (!S.view) return;
  if (!deck) {
    deck = new Deck({
      parent: el('map'), views: new MapView({repeat: false}), controller: true,
      initialViewState: {...S.view, pitch: S.columns ? 45 : 0},
      layers: layers(), getTooltip: tooltip, style: {position: 'absolute', left: 0, top: 0},
      onAfterRender: () => { exposed.drawnStep = S.step; },
    });
  } else {
    deck.setProps({layers: layers()});
  }
}

function legendHtml() {
  const box = el('legend');
  box.replaceChildren();
  legendBlock(box, S.legendTitle, [...S.legend, {label: S.labels.no_data, rgb: S.noData}]);
  if (S.districtLegend.length) legendBlock(box, S.districtLegendTitle, S.districtLegend);
}

function legendBlock(box, heading, items) {
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = heading;
  box.appendChild(title);
  for (const item of items) {
    const row = document.createElement('div');
    row.className = 'row';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${item.rgb.join(',')})`;
    const text = document.createElement('span');
    text.textContent = item.label;  // text, never markup
    row.append(swatch, text);
    box.appendChild(row);
  }
}

function controls() {
  const last = S.months.length - 1;
  el('slider').max = String(Math.max(last, 0));
  el('slider').value = String(S.index);
  el('month').textContent = S.months[S.index] || '—';
  el('stamp').textContent = S.months[S.index] || '';
  exposed.playing = S.playing;
  el('play').textContent = S.playing ? '||' : '▶';
  el('play').title = S.playing ? S.labels.pause : S.labels.play;
  el('first').title = S.labels.first;
  el('back').title = S.labels.back;
  el('forward').title = S.labels.forward;
  el('speed-label').textContent = S.labels.speed;
}

function schedule() {
  clearTimeout(S.timer);
  if (!S.playing) return;
  if (S.index >= S.months.length - 1) {  // the end of the range: stop there
    S.playing = false;
    controls();
    return;
  }
  const wait = 1000 / Number(el('speed').value || 1);
  S.timer = setTimeout(() => { if (S.playing) ask(S.months[S.index + 1]); }, wait);
}

function onRender(args) {
  if (args.pos) {  // the buildings, once per range/filter
    const raw = new Uint8Array(args.pos);  // a copy: aligned for the Int32Array view
    const xy = new Int32Array(raw.buffer, 0, raw.byteLength / 4);
    const n = xy.length / 2;
    S.lon = new Float64Array(n);
    S.lat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      S.lon[i] = args.origin[0] + xy[2 * i] / args.scale;
      S.lat[i] = args.origin[1] + xy[2 * i + 1] / args.scale;
    }
    S.names = args.names;
    S.codes = args.codes;
    S.geo = args.geo;
    S.tiles = args.tiles || null;
    S.key = args.pkey;
    S.view = args.view;
    for (const month of Object.keys(history)) delete history[month];
    exposed.steps = [];
  }
  S.months = args.months;
  S.palette = args.palette;
  S.noData = args.no_data;
  S.districtPalette = args.district_palette;
  S.labels = args.labels;
  S.legend = args.legend;
  S.legendTitle = args.legend_title;
  S.districtLegend = args.district_legend || [];
  S.districtLegendTitle = args.district_legend_title || '';
  const columns = !!args.columns;
  if (deck && columns !== S.columns) {  // 3D columns are read tilted, points from above
    deck.setProps({initialViewState: {...S.view, pitch: columns ? 45 : 0}});
  }
  S.columns = columns;
  if (args.pkey !== S.key) {  // a new range or filter whose positions this frame lacks: ask for them
    if (S.waiting !== '__positions') {
      S.waiting = '__positions';
      setValue({have: S.key, month: args.months[args.index]});
    }
    return;
  }
  const month = args.months[args.index];
  S.index = args.index;
  S.classes = new Uint8Array(args.c);
  S.heights = args.h ? new Uint8Array(args.h) : null;
  S.districts = args.districts;
  S.step += 1;
  const districts = {};
  args.districts.codes.forEach((code, i) => { districts[code] = args.districts.classes[i]; });
  history[month] = {classes: S.classes, districts};
  exposed.month = month;
  exposed.key = S.key;
  exposed.buildings = S.classes.length;
  exposed.steps.push(month);
  exposed.step = S.step;
  legendHtml();
  controls();
  draw();
  const asked = S.waiting;
  S.waiting = null;
  if (args.pos) setValue({have: S.key, month});  // tell the server the positions arrived
  else if (asked === month) schedule();
}

function go(index) {
  const to = Math.max(0, Math.min(S.months.length - 1, index));
  if (to !== S.index) ask(S.months[to]);
}

el('play').addEventListener('click', () => {
  S.playing = !S.playing;
  if (S.playing && S.index >= S.months.length - 1) { S.playing = false; }
  controls();
  if (S.playing) ask(S.months[S.index + 1]);
  else clearTimeout(S.timer);
});
el('first').addEventListener('click', () => { S.playing = false; clearTimeout(S.timer); controls(); go(0); });
el('back').addEventListener('click', () => { S.playing = false; clearTimeout(S.timer); controls(); go(S.index - 1); });
el('forward').addEventListener('click', () => { S.playing = false; clearTimeout(S.timer); controls(); go(S.index + 1); });
el('slider').addEventListener('change', (e) => { S.playing = false; clearTimeout(S.timer); controls(); go(Number(e.target.value)); });

window.addEventListener('message', (event) => {
  const message = event.data;
  if (message && message.type === 'streamlit:render') onRender(message.args);
});
send('streamlit:componentReady', {apiVersion: 1});
send('streamlit:setFrameHeight', {height: 580});
