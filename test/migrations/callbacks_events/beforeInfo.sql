SELECT 'beforeInfo';
