// The tray icon and menu (Electron adapter): renders tray-menu.ts's TrayView with Tray, Menu
// and nativeImage, and hands clicked items' actions back. No decisions are made here.

import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { TrayModel } from '../shared/console-model';
import { trayIconFile } from './icons';
import {
  trayClickShowsWindow,
  trayView,
  type TrayAction,
  type TrayMenuItem,
  type TrayUiState,
  type TrayView,
} from './tray-menu';

export interface TrayController {
  update(model: TrayModel, ui: TrayUiState): void;
  /** The menu currently shown (e2e hooks read it). */
  readonly menu: Menu | null;
  /** Emits a click on the icon as the OS would (e2e hooks). */
  emitClick(): void;
  readonly view: TrayView | null;
  destroy(): void;
}

function toTemplate(items: TrayMenuItem[], act: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'action':
        return { id: item.id, label: item.label, click: () => act(item.action) };
      case 'checkbox':
        return {
          id: item.id,
          label: item.label,
          type: 'checkbox',
          checked: item.checked,
          click: () => act(item.action),
        };
    }
  });
}

export function createTray(options: {
  iconsDir: string;
  platform: NodeJS.Platform;
  onAction: (action: TrayAction) => void;
  /** A plain click on the icon, where it does not open the menu (trayClickShowsWindow). */
  onClick: () => void;
}): TrayController {
  const image = (variant: TrayView['iconVariant']) =>
    nativeImage.createFromPath(trayIconFile(options.iconsDir, variant, options.platform));
  const tray = new Tray(image('idle'));
  if (trayClickShowsWindow(options.platform)) tray.on('click', options.onClick);
  let menu: Menu | null = null;
  let view: TrayView | null = null;
  let shownVariant: TrayView['iconVariant'] = 'idle';

  return {
    update(model, ui) {
      view = trayView(model, ui);
      if (view.iconVariant !== shownVariant) {
        shownVariant = view.iconVariant;
        tray.setImage(image(shownVariant));
      }
      tray.setToolTip(view.tooltip);
      menu = Menu.buildFromTemplate(toTemplate(view.menu, options.onAction));
      tray.setContextMenu(menu);
    },
    get menu() {
      return menu;
    },
    emitClick() {
      tray.emit('click');
    },
    get view() {
      return view;
    },
    destroy() {
      tray.destroy();
    },
  };
}
